using Conveyor.Core;
using Conveyor.Ingestion.Handlers;
using Conveyor.Storage;

namespace Conveyor.Application;

/// <summary>
/// Upload to job: one queued job per received file, created with its stored file and detection result in one
/// transaction. The files are already under the storage root; if this refuses them, the caller removes them.
/// </summary>
public sealed class UploadService(IUploadStore store, IAuditLog audit, TimeProvider time)
{
    /// <summary>Source type of a job made from an uploaded file.</summary>
    public const string FileUpload = "file_upload";

    /// <summary>Source type of a job made from records posted as the request body.</summary>
    public const string JsonApi = "json_api";

    /// <summary>The settings' errors by field (dataset, priority, metadata); empty when they are fine.</summary>
    public static Dictionary<string, string[]> Validate(UploadSettings settings) =>
        JobCreateRequestValidator.ValidateSettings(mode: null, settings.Priority, settings.Metadata, settings.Dataset, maxAttempts: null);

    public async Task<Outcome<IReadOnlyList<Job>>> CreateAsync(IReadOnlyList<ReceivedFile> files, UploadSettings settings, string sourceType,
        AuditContext context, CancellationToken ct)
    {
        var errors = Validate(settings);
        if (files.Count == 0) errors["file"] = ["The request holds no file."];
        if (errors.Count > 0)
        {
            await audit.AppendAuditAsync(context, null, AuditOutcomes.Rejected, ct);
            return Outcome.Invalid<IReadOnlyList<Job>>(errors);
        }
        if (JobService.LimitsRefusal(settings.Metadata, context) is { } refusal)
        {
            await audit.AppendAuditAsync(context, null, AuditOutcomes.Rejected, ct);
            return Outcome.Forbidden<IReadOnlyList<Job>>(refusal);
        }

        var now = time.GetUtcNow();
        var uploads = files.Select(file => new NewUpload(
            NewJobs.From(RequestFor(file, settings, sourceType), context.Actor) with { Id = file.JobId },
            new StoredFile(file.JobId, file.RelativePath, file.ClientName, file.Size, file.Sha256, file.Sniff.ContentType, now),
            file.Detection?.Type, file.Detection?.ToJson())).ToList();
        return Outcome.Created(await store.CreateWithFilesAsync(uploads, context, ct));
    }

    /// <summary>The job a file asks for: its type is what the bytes were sniffed as, never what the client declared.</summary>
    private static JobCreateRequest RequestFor(ReceivedFile file, UploadSettings settings, string sourceType) => new()
    {
        Type = file.Sniff.JobType ?? throw new ArgumentException("A received file has a sniffed job type.", nameof(file)),
        SourceType = sourceType,
        FileName = file.ClientName,
        FileSize = file.Size,
        MimeType = file.Sniff.Gzip ? "application/gzip" : file.Sniff.ContentType,
        Priority = settings.Priority,
        Metadata = settings.Metadata,
        Dataset = settings.Dataset ?? IngestHandler.DefaultDataset,
    };
}
