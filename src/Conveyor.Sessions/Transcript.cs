namespace Conveyor.Sessions;

/// <summary>A session's transcript (SPEC §5): where it came from, its whole text and its timed segments.</summary>
/// <param name="Format">What it was read from: <c>webvtt</c>, <c>srt</c>, <c>text</c> or <c>audio</c> (see <see cref="TranscriptFormats"/>).</param>
/// <param name="Language">The language the source declares, if it does.</param>
/// <param name="DurationSeconds">The latest segment end (captions) or the audio's length; null for plain text.</param>
/// <param name="Text">The segments' text, joined.</param>
/// <param name="Segments">The segments in source order, indexed from 0.</param>
public sealed record Transcript(
    string Format,
    string? Language,
    double? DurationSeconds,
    string Text,
    IReadOnlyList<TranscriptSegment> Segments);
