using System.Text.Json;

namespace Conveyor.Core;

/// <summary>A durable unit of work: what was submitted, where it stands, and who holds it.</summary>
public sealed record Job
{
    public required Guid Id { get; init; }
    public required string Type { get; init; }
    public string? SourceType { get; init; }
    public string? SourceUri { get; init; }
    public string? FileName { get; init; }
    public long? FileSize { get; init; }
    public string? MimeType { get; init; }
    public string? Mode { get; init; }
    public int Priority { get; init; }
    public JsonElement Metadata { get; init; } = JobMetadata.Empty;
    public Guid? SessionId { get; init; }
    public string? Dataset { get; init; }
    public required JobStatus Status { get; init; }
    public int Attempt { get; init; }
    public int MaxAttempts { get; init; } = JobDefaults.MaxAttempts;
    public required DateTimeOffset ScheduledAt { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
    public long RecordsProcessed { get; init; }
    public long RecordsFailed { get; init; }
    public long? RecordsTotal { get; init; }
    public string? Error { get; init; }
    public string? ErrorRef { get; init; }
    public DateTimeOffset? CancelRequestedAt { get; init; }
    public string? LeaseOwner { get; init; }
    public DateTimeOffset? LeaseExpiresAt { get; init; }
    public Guid? RetryOf { get; init; }
    public string? IdempotencyKey { get; init; }
    public string? CreatedBy { get; init; }
    public bool Synthetic { get; init; }

    /// <summary>The W3C <c>traceparent</c> of the request that created the job (null when no trace was recorded).</summary>
    public string? TraceParent { get; init; }

    /// <summary>What the status machine needs to know of this job.</summary>
    public JobSnapshot Snapshot(bool hasRetry = false) =>
        new(Status, Attempt, MaxAttempts, CancelRequestedAt is not null, hasRetry);
}
