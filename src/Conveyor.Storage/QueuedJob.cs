using System.Text.Json;
using Conveyor.Core;

namespace Conveyor.Storage;

/// <summary>What a freshly inserted job looks like, so every driver returns the same row without reading it back.</summary>
internal static class QueuedJob
{
    /// <summary>A job runs no earlier than it was created: a past or missing <c>scheduled_at</c> means now.</summary>
    public static DateTimeOffset ScheduledAt(NewJob job, DateTimeOffset now) =>
        job.ScheduledAt?.Truncate() is { } at && at > now ? at : now;

    /// <summary>The stored text of the job's metadata (an empty object when there is none).</summary>
    public static string MetadataJson(NewJob job) => job.Metadata is { } m ? JobMetadata.ToJson(m) : "{}";

    /// <summary>The <c>data</c> of the job's <c>created</c> event.</summary>
    public static string CreatedEventData(NewJob job) =>
        job.RetryOf is { } original ? $$"""{"retry_of":"{{original}}"}""" : "{}";

    public static Job From(NewJob job, DateTimeOffset now) => new()
    {
        Id = job.Id,
        Type = job.Type,
        SourceType = job.SourceType,
        SourceUri = job.SourceUri,
        FileName = job.FileName,
        FileSize = job.FileSize,
        MimeType = job.MimeType,
        Mode = job.Mode,
        Priority = job.Priority,
        Metadata = job.Metadata is { ValueKind: JsonValueKind.Object } meta ? meta.Clone() : JobMetadata.Empty,
        SessionId = job.SessionId,
        Dataset = job.Dataset,
        Status = JobStatus.Queued,
        MaxAttempts = job.MaxAttempts,
        ScheduledAt = ScheduledAt(job, now),
        CreatedAt = now,
        UpdatedAt = now,
        RetryOf = job.RetryOf,
        IdempotencyKey = job.IdempotencyKey,
        CreatedBy = job.CreatedBy,
        Synthetic = job.Synthetic,
        TraceParent = job.TraceParent,
    };
}
