using System.Text.Json;
using Conveyor.Core;
using Conveyor.Ingestion;
using Conveyor.Ingestion.Handlers;
using Conveyor.Ingestion.Sources;
using Conveyor.Sessions.Audio;
using Conveyor.Sessions.Transcription;
using Conveyor.Storage;
using Conveyor.Workers;

namespace Conveyor.Sessions.Pipeline;

/// <summary>
/// The <c>transcription</c> job (SPEC §5): reads the session's file (or fetches its <c>source_uri</c>), turns captions
/// or a text transcript into a <see cref="Transcript"/> and sends audio to the configured engine. Its success records
/// the transcript as the job's result and enqueues the session's <c>summarization</c> in the same transaction.
/// Malformed caption blocks are skipped and counted (<c>records_failed</c>; <c>records_processed</c> counts segments).
/// </summary>
public sealed class TranscriptionHandler(IRecordLoader records, IJobReader jobs, StorageRoot root, UrlFetcher fetcher,
    ITranscriptionEngine engine) : IJobHandler
{
    /// <summary>The largest caption or text file read (audio goes to the engine whatever its size).</summary>
    public const int MaxTextBytes = 64 << 20;

    public const string NoSource = "The job has no stored file and no http(s) source_uri to transcribe.";
    public const string NoText = "The transcript has no text.";
    public const string TooLarge = "A caption or text transcript may be at most 64 MiB.";

    /// <summary>The metadata key of a summarization job that names the transcription it summarizes.</summary>
    public const string TranscriptionJobKey = "transcription_job_id";

    public string Type => SessionJobTypes.Transcription;

    public async Task HandleAsync(JobContext context, CancellationToken ct)
    {
        var job = context.Job;
        string path;
        string? fetched = null;
        string? name = job.FileName;
        if (await StoredFiles.FindAsync(records, jobs, job, ct) is { } file)
        {
            path = root.Resolve(file.Path);
            name ??= file.OriginalName;
        }
        else if (job.SourceUri is { } uri && UrlFetcher.IsHttp(uri))
        {
            fetched = await fetcher.FetchAsync(uri, job.Id, ct);
            path = fetched;
            name ??= Path.GetFileName(new Uri(uri).AbsolutePath);
        }
        else
        {
            throw JobFailedException.Permanent(NoSource);
        }

        TranscriptResult result;
        try
        {
            result = await TranscribeAsync(path, name, ct);
        }
        finally
        {
            if (fetched is not null) File.Delete(fetched);
        }

        if (result.Transcript is not { } transcript)
            throw new JobFailedException(result.Error ?? NoText, result.Retryable);
        if (transcript.Segments.Count == 0 || string.IsNullOrWhiteSpace(transcript.Text)) throw JobFailedException.Permanent(NoText);

        context.Progress.Report(transcript.Segments.Count, result.SkippedBlocks, transcript.Segments.Count + result.SkippedBlocks);
        context.Output.Result = SessionJson.Write(transcript);
        context.Output.Enqueue(new NewJob
        {
            Type = SessionJobTypes.Summarization,
            SourceType = job.SourceType,
            SessionId = job.SessionId,
            Priority = job.Priority,
            Metadata = JsonSerializer.SerializeToElement(new Dictionary<string, string> { [TranscriptionJobKey] = job.Id.ToString() }),
            CreatedBy = job.CreatedBy ?? "system",
            Synthetic = job.Synthetic,
        });
    }

    private async Task<TranscriptResult> TranscribeAsync(string path, string? name, CancellationToken ct)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous);
        var head = new byte[AudioSniffer.HeadBytes];
        var read = await stream.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, ct);
        if (AudioSniffer.Sniff(head.AsSpan(0, read)) is { } audio) return await engine.TranscribeAsync(path, audio, ct);

        if (stream.Length > MaxTextBytes) throw JobFailedException.Permanent(TooLarge);
        var content = new byte[stream.Length];
        head.AsSpan(0, read).CopyTo(content);
        await stream.ReadExactlyAsync(content.AsMemory(read), ct);
        return TranscriptReader.Read(content, name);
    }
}
