namespace Conveyor.Client;

/// <summary>One event of a job's stream (<c>GET /api/v1/jobs/{id}/stream</c>): its status and counters as they are now.</summary>
public sealed record JobProgress(Guid Id, JobStatus Status, int Attempt, int MaxAttempts, long RecordsProcessed, long RecordsFailed,
    long? RecordsTotal, bool CancelRequested, string? Error, string? ErrorRef, DateTimeOffset? StartedAt, DateTimeOffset? CompletedAt,
    DateTimeOffset UpdatedAt);
