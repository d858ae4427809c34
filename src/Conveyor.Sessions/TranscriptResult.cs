namespace Conveyor.Sessions;

/// <summary>What reading a transcript gave: the transcript and how many malformed blocks were skipped, or a safe error.</summary>
public sealed record TranscriptResult
{
    private TranscriptResult(Transcript? transcript, int skippedBlocks, string? error, bool retryable = false)
    {
        Transcript = transcript;
        SkippedBlocks = skippedBlocks;
        Error = error;
        Retryable = retryable;
    }

    public Transcript? Transcript { get; }

    /// <summary>Blocks that were neither a cue nor a comment, style or region block, and so were left out.</summary>
    public int SkippedBlocks { get; }

    /// <summary>Why there is no transcript, in words safe to show a client.</summary>
    public string? Error { get; }

    /// <summary>The failure may pass on another attempt (an engine that timed out, crashed or was unreachable).</summary>
    public bool Retryable { get; }

    public static TranscriptResult Success(Transcript transcript, int skippedBlocks) => new(transcript, skippedBlocks, null);

    /// <summary>A failure no retry of the same input fixes (not a caption file, no engine configured).</summary>
    public static TranscriptResult Failure(string error) => new(null, 0, error);

    /// <summary>A failure another attempt may not meet.</summary>
    public static TranscriptResult Transient(string error) => new(null, 0, error, retryable: true);
}
