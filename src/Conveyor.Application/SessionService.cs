using Conveyor.Core;
using Conveyor.Ingestion.Sources;
using Conveyor.Storage;

namespace Conveyor.Application;

/// <summary>
/// Creating a session (SPEC §5): the session in <c>draft</c> and its <c>transcription</c> job, with the job's file and the
/// <c>session.create</c> audit event, in one transaction. A refused request leaves its <c>rejected</c> audit event and
/// nothing else.
/// </summary>
public sealed class SessionService(ISessionStore sessions, IAuditLog audit, UrlFetcher urls, TimeProvider time)
{
    public const int MaxCourseIdLength = 200;
    public const int MaxTitleLength = 500;

    /// <summary>Source types of a session's transcription job.</summary>
    public const string TextSource = "text";
    public const string UrlSource = "url";

    public async Task<Outcome<(SessionRecord Session, Job Job)>> CreateAsync(SessionRequest request, AuditContext context, CancellationToken ct)
    {
        var errors = Validate(request);
        if (errors.Count > 0)
        {
            await audit.AppendAuditAsync(context, null, AuditOutcomes.Rejected, ct);
            return Outcome.Invalid<(SessionRecord, Job)>(errors);
        }

        var session = new NewSession
        {
            CourseId = request.CourseId!.Trim(),
            Title = request.Title!.Trim(),
            CreatedBy = context.Actor,
        };
        var file = request.File;
        var job = NewJobs.From(new JobCreateRequest
        {
            Type = SessionJobTypes.Transcription,
            SourceType = file is null ? UrlSource : request.InlineTranscript ? TextSource : UploadService.FileUpload,
            SourceUri = request.SourceUri,
            FileName = file?.ClientName,
            FileSize = file?.Size,
            MimeType = file?.Sniff.ContentType,
        }, context.Actor) with { Id = file?.JobId ?? Guid.CreateVersion7() };
        var stored = file is null ? null
            : new StoredFile(file.JobId, file.RelativePath, file.ClientName, file.Size, file.Sha256, file.Sniff.ContentType, time.GetUtcNow());
        var details = context with { Details = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["course_id"] = session.CourseId,
            ["job_id"] = job.Id.ToString(),
        }) };
        var queued = await sessions.CreateSessionAsync(session, job, stored, details, ct);
        var record = new SessionRecord(session.Id, session.CourseId, session.Title, session.Synthetic, session.CreatedBy,
            queued.CreatedAt, [queued], TranscriptJson: null, SummaryJson: null);
        return Outcome.Created((record, queued));
    }

    private Dictionary<string, string[]> Validate(SessionRequest request)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        Text(errors, "course_id", request.CourseId, MaxCourseIdLength);
        Text(errors, "title", request.Title, MaxTitleLength);
        var sources = (request.File is not null ? 1 : 0) + (request.SourceUri is not null ? 1 : 0);
        if (sources == 0) errors["source"] = ["Give one source: a file, a transcript or a source_uri."];
        else if (sources > 1) errors["source"] = ["Give only one source: a file, a transcript or a source_uri."];
        else if (request.SourceUri is { } uri)
        {
            if (!UrlFetcher.IsHttp(uri)) errors["source_uri"] = ["Must be an absolute http or https URL."];
            else if (urls.Refusal(uri) is { } refusal) errors["source_uri"] = [refusal];
        }
        return errors;
    }

    /// <summary>Required, at most <paramref name="max"/> characters, no control or format characters (they would be shown).</summary>
    private static void Text(Dictionary<string, string[]> errors, string field, string? value, int max)
    {
        var trimmed = value?.Trim();
        if (string.IsNullOrEmpty(trimmed)) errors[field] = ["Required."];
        else if (trimmed.Length > max) errors[field] = [$"At most {max} characters."];
        else if (trimmed.Any(DisplayText.IsUnsafe)) errors[field] = ["Must not contain control or format characters."];
    }
}
