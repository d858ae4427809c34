namespace Conveyor.Sessions;

/// <summary>What reading a transcript gave: the transcript and how many malformed blocks were skipped, or a safe error.</summary>
public sealed record TranscriptResult
{
    private TranscriptResult(Transcript? transcript, int skippedBlocks, string? error)
    {
        Transcript = transcript;
        SkippedBlocks = skippedBlocks;
        Error = error;
    }

    public Transcript? Transcript { get; }

    /// <summary>Blocks that were neither a cue nor a comment, style or region block, and so were left out.</summary>
    public int SkippedBlocks { get; }

    /// <summary>Why there is no transcript, in words safe to show a client.</summary>
    public string? Error { get; }

    public static TranscriptResult Success(Transcript transcript, int skippedBlocks) => new(transcript, skippedBlocks, null);

    public static TranscriptResult Failure(string error) => new(null, 0, error);
}
