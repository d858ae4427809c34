namespace Conveyor.Sessions;

/// <summary>The <c>format</c> words of a <see cref="Transcript"/>.</summary>
public static class TranscriptFormats
{
    public const string WebVtt = "webvtt";
    public const string Srt = "srt";
    public const string Text = "text";

    /// <summary>Produced by a transcription engine from audio, whatever the engine wrote.</summary>
    public const string Audio = "audio";
}
