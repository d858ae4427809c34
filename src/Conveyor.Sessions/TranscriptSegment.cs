namespace Conveyor.Sessions;

/// <summary>One cue or paragraph of a transcript; times are seconds exact to the source's millisecond, null when it has none.</summary>
public sealed record TranscriptSegment(int Index, double? StartSeconds, double? EndSeconds, string? Speaker, string Text);
