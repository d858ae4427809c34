using Conveyor.Core;

namespace Conveyor.Api.V1;

/// <summary>One event of <c>GET /api/v1/jobs/{id}/stream</c>: a job's status and counters as they are now.</summary>
public sealed record JobProgressResource(
    Guid Id,
    JobStatus Status,
    int Attempt,
    int MaxAttempts,
    long RecordsProcessed,
    long RecordsFailed,
    long? RecordsTotal,
    bool CancelRequested,
    string? Error,
    string? ErrorRef,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    DateTimeOffset UpdatedAt)
{
    public static JobProgressResource From(Job job) => new(job.Id, job.Status, job.Attempt, job.MaxAttempts, job.RecordsProcessed,
        job.RecordsFailed, job.RecordsTotal, job.CancelRequestedAt is not null, job.Error, job.ErrorRef, job.StartedAt, job.CompletedAt,
        job.UpdatedAt);
}
