using Conveyor.Core;
using Conveyor.Sessions.Summaries;
using Conveyor.Storage;
using Conveyor.Workers;

namespace Conveyor.Sessions.Pipeline;

/// <summary>
/// The <c>summarization</c> job (SPEC §5): an extractive summary (<see cref="ExtractiveSummarizer"/>) of the transcript
/// its transcription recorded, named by the <c>transcription_job_id</c> its transcription gave it (or, for a job made
/// by hand, its session's latest transcript). The summary is the job's result.
/// </summary>
public sealed class SummarizationHandler(ISessionStore sessions) : IJobHandler
{
    public const string NoTranscript = "There is no transcript to summarize: the session's transcription has not succeeded.";

    public string Type => SessionJobTypes.Summarization;

    public async Task HandleAsync(JobContext context, CancellationToken ct)
    {
        var job = context.Job;
        string? json = null;
        if (Guid.TryParse(JobMetadata.GetString(job.Metadata, TranscriptionHandler.TranscriptionJobKey), out var transcription))
            json = await sessions.GetResultAsync(transcription, ct);
        else if (job.SessionId is { } session)
            json = (await sessions.GetSessionAsync(session, ct))?.TranscriptJson;
        if (json is null || SessionJson.ReadTranscript(json) is not { } transcript) throw JobFailedException.Permanent(NoTranscript);

        var summary = ExtractiveSummarizer.Summarize(transcript.Text);
        context.Progress.Report(1, 0, 1);
        context.Output.Result = SessionJson.Write(summary);
    }
}
