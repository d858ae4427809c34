using System.Text.Json;
using Conveyor.Core;

namespace Conveyor.Api.V1;

/// <summary>A job as <c>/api/v1</c> shows it: every field (null when it has no value yet) and the links allowed now.</summary>
public sealed record JobResource
{
    public required Guid Id { get; init; }
    public required string Type { get; init; }
    public required string? SourceType { get; init; }
    public required string? SourceUri { get; init; }
    public required string? FileName { get; init; }
    public required long? FileSize { get; init; }
    public required string? MimeType { get; init; }
    public required string? Mode { get; init; }
    public required int Priority { get; init; }
    public required JsonElement Metadata { get; init; }
    public required Guid? SessionId { get; init; }
    public required string? Dataset { get; init; }
    public required JobStatus Status { get; init; }
    public required int Attempt { get; init; }
    public required int MaxAttempts { get; init; }
    public required DateTimeOffset ScheduledAt { get; init; }
    public required DateTimeOffset SubmittedAt { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset? StartedAt { get; init; }
    public required DateTimeOffset? CompletedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
    public required long RecordsProcessed { get; init; }
    public required long RecordsFailed { get; init; }
    public required long? RecordsTotal { get; init; }
    public required string? Error { get; init; }
    public required string? ErrorRef { get; init; }
    public required DateTimeOffset? CancelRequestedAt { get; init; }
    public required string? LeaseOwner { get; init; }
    public required DateTimeOffset? LeaseExpiresAt { get; init; }
    public required Guid? RetryOf { get; init; }
    public required Guid? RetriedBy { get; init; }
    public required string? CreatedBy { get; init; }
    public required bool Synthetic { get; init; }
    public required IReadOnlyDictionary<string, Link> Links { get; init; }

    /// <param name="retriedBy">The job retry-as-new made from this one, when known.</param>
    public static JobResource From(Job job, Guid? retriedBy = null) => new()
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
        Metadata = job.Metadata,
        SessionId = job.SessionId,
        Dataset = job.Dataset,
        Status = job.Status,
        Attempt = job.Attempt,
        MaxAttempts = job.MaxAttempts,
        ScheduledAt = job.ScheduledAt,
        SubmittedAt = job.CreatedAt,
        CreatedAt = job.CreatedAt,
        StartedAt = job.StartedAt,
        CompletedAt = job.CompletedAt,
        UpdatedAt = job.UpdatedAt,
        RecordsProcessed = job.RecordsProcessed,
        RecordsFailed = job.RecordsFailed,
        RecordsTotal = job.RecordsTotal,
        Error = job.Error,
        ErrorRef = job.ErrorRef,
        CancelRequestedAt = job.CancelRequestedAt,
        LeaseOwner = job.LeaseOwner,
        LeaseExpiresAt = job.LeaseExpiresAt,
        RetryOf = job.RetryOf,
        RetriedBy = retriedBy,
        CreatedBy = job.CreatedBy,
        Synthetic = job.Synthetic,
        Links = JobLinks.For(job, retriedBy),
    };
}
