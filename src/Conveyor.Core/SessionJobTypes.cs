namespace Conveyor.Core;

/// <summary>The job types of the sessions pipeline (SPEC §5), in pipeline order.</summary>
public static class SessionJobTypes
{
    public const string Transcription = "transcription";
    public const string Summarization = "summarization";
}
