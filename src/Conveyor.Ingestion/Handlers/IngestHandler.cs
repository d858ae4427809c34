using Microsoft.Extensions.Logging;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using Conveyor.Core;
using Conveyor.Ingestion.Detection;
using Conveyor.Ingestion.Readers;
using Conveyor.Ingestion.Sources;
using Conveyor.Storage;
using Conveyor.Workers;
using Microsoft.Extensions.Options;

namespace Conveyor.Ingestion.Handlers;

/// <summary>
/// The <c>csv</c>, <c>json</c> and <c>ndjson</c> handlers: detect, then stream the job's file (or URL) through
/// the matching reader into its dataset.
/// <para>
/// Exactly once: every attempt starts a fenced load that first removes what earlier attempts left, and its rows
/// become the job's only if the attempt still holds the job when it completes (PostgreSQL: one COPY transaction;
/// SQLite: fenced chunks). Any move to failed or cancelled purges the job's rows in the same transaction, and
/// datasets only show succeeded jobs' rows. So however often a load is rescued or retried, a succeeded job's rows
/// are there once, and a failed or cancelled job's are gone.
/// </para>
/// </summary>
public sealed class IngestHandler(string type, IRecordLoader records, IJobReader jobs, StorageRoot root, UrlFetcher fetcher,
    IOptions<IngestionOptions> options, TimeProvider time) : IJobHandler
{
    public const string DefaultDataset = "default";

    public string Type { get; } = type;

    public async Task HandleAsync(JobContext context, CancellationToken ct)
    {
        var job = context.Job;
        var settings = options.Value;
        string path;
        string? fetched = null;
        // An upload's detection result was stored with its job; a URL source's, or a retry-as-new job's (whose file is
        // its original's), is stored here, by the load's own detection.
        var saveDetection = true;
        if (await StoredFiles.FindAsync(records, jobs, job, ct) is { } file)
        {
            path = root.Resolve(file.Path);
            saveDetection = file.JobId != job.Id;
        }
        else if (job.SourceUri is { } uri && UrlFetcher.IsHttp(uri))
        {
            fetched = await fetcher.FetchAsync(uri, job.Id, ct);
            path = fetched;
        }
        else
        {
            throw JobFailedException.Permanent("The job has no stored file and no http(s) source_uri to load from.");
        }

        try
        {
            await LoadAsync(context, path, saveDetection, settings, ct);
        }
        catch (JobFailedException e) when (fetched is null && e.Retryable)
        {
            // Every failure the load itself raises comes from the file's bytes (malformed JSON, a row over the size
            // limit, too many bad rows, an expansion limit): a stored file never changes, so no retry can succeed. A
            // URL's content may, so a fetched source keeps its retries.
            throw JobFailedException.Permanent(e.Message);
        }
        finally
        {
            if (fetched is not null) File.Delete(fetched);
        }
    }

    private async Task LoadAsync(JobContext context, string path, bool saveDetection, IngestionOptions settings, CancellationToken ct)
    {
        var job = context.Job;
        await using var fileStream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.Read, BufferSize = 1 << 16, Options = FileOptions.SequentialScan | FileOptions.Asynchronous,
        });
        var head = new byte[ContentSniffer.HeadBytes];
        var headLength = await fileStream.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, ct);
        var (sniff, detection) = ContentDetector.Detect(head.AsSpan(0, headLength), complete: headLength < head.Length);
        if (saveDetection && detection is not null)
        {
            await records.SaveDetectionAsync(new DetectionRecord(job.Id, detection.Type, detection.ToJson(), time.GetUtcNow()), ct);
        }
        if (!sniff.IsLoadable)
        {
            throw new JobFailedException(sniff.Reason is not null
                ? $"The file cannot be loaded: {sniff.Reason}"
                : $"The file holds {detection?.Type ?? "unknown"} content, not CSV, JSON or NDJSON.");
        }
        fileStream.Position = 0;
        // The job's own log (JobContext.Logger): what an operator asks first when a load looks wrong.
        context.Logger.LogInformation("Loading {Kind} ({Gzip}{Encoding}) into dataset {Dataset}", sniff.Kind.ToString().ToLowerInvariant(),
            sniff.Gzip ? "gzip, " : "", sniff.Encoding?.WebName ?? "utf-8", job.Dataset ?? DefaultDataset);

        var size = fileStream.Length;
        var limits = IngestionLimits.Of(job.Metadata, settings);
        Stream input = sniff.Gzip ? new GZipStream(fileStream, CompressionMode.Decompress, leaveOpen: true) : fileStream;
        input = new ExpansionGuard(input, fileStream, sniff.Gzip, limits, settings.ExpansionCheckAfterBytes);
        if (sniff.Kind is not ContentKind.Csv && sniff.Encoding is UnicodeEncoding utf16)
            input = Encoding.CreateTranscodingStream(input, utf16, Encoding.UTF8, leaveOpen: false);

        var ratio = JobMetadata.TryGetDouble(job.Metadata, "error_ratio", out var r) ? Math.Clamp(r, 0, 1) : settings.ErrorRatio;
        var fence = new LoadFence(job.Id, job.LeaseOwner ?? "", job.Attempt, job.Dataset ?? DefaultDataset);
        LoadSink sink;
        await using (var load = await records.BeginLoadAsync(fence, ct))
        {
            sink = new LoadSink(load, context.Progress, () => size == 0 ? 1 : (double)fileStream.Position / size,
                settings.KeptFailures, settings.ProgressEveryRows, limits.MaxRows);
            try
            {
                switch (sniff.Kind)
                {
                    case ContentKind.Csv:
                        var delimiter = detection?.Delimiter is { Length: 1 } d ? d[0] : ',';
                        await CsvRecordReader.ReadAsync(input, delimiter, '"', detection?.HasHeader ?? true, sink, ct);
                        break;
                    case ContentKind.Json:
                        await JsonRecordReader.ReadArrayAsync(input, sink, ct);
                        break;
                    default:
                        await JsonRecordReader.ReadNdjsonAsync(input, sink, ct);
                        break;
                }
            }
            catch (InvalidDataException e)
            {
                throw new JobFailedException(e.Message);
            }
            finally
            {
                await input.DisposeAsync();
            }

            var seen = sink.Loaded + sink.Failed;
            if (sink.Failed > 0 && (double)sink.Failed / seen > ratio)
            {
                context.Progress.Report(0, sink.Failed, seen);
                // Leave the load uncommitted; keep the failures so the client can see why.
                await load.DisposeAsync();
                await records.SaveFailuresAsync(fence, sink.Failures, ct);
                var first = sink.Failures.Count > 0 ? $" First: line {sink.Failures[0].LineNumber}: {sink.Failures[0].Reason}" : "";
                throw new JobFailedException(string.Create(CultureInfo.InvariantCulture,
                    $"{sink.Failed} of {seen} rows failed to parse, more than the allowed error ratio of {ratio:P1}.{first}"));
            }
            await load.CompleteAsync(sink.Failures, ct);
        }
        if (sink.Failed > 0)
            context.Logger.LogWarning("{Failed} rows failed to parse (first at line {Line}); within the error ratio {Ratio:P1}", sink.Failed,
                sink.Failures.Count > 0 ? sink.Failures[0].LineNumber : 0, ratio);
        context.Logger.LogInformation("Loaded {Rows} rows", sink.Loaded);
        context.Progress.Report(sink.Loaded, sink.Failed, sink.Loaded + sink.Failed);
    }
}
