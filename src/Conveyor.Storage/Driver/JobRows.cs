using Conveyor.Core;

namespace Conveyor.Storage.Driver;

/// <summary>Moves between a job as read in full and the state columns a status change reads and writes.</summary>
public static class JobRows
{
    /// <summary>The state columns of a job read in full (what loading them under the lock would give).</summary>
    public static JobState StateOf(Job job, bool hasRetry = false) => new()
    {
        Id = job.Id,
        Status = job.Status,
        Attempt = job.Attempt,
        MaxAttempts = job.MaxAttempts,
        CancelRequestedAt = job.CancelRequestedAt,
        LeaseOwner = job.LeaseOwner,
        LeaseExpiresAt = job.LeaseExpiresAt,
        CompletedAt = job.CompletedAt,
        ScheduledAt = job.ScheduledAt,
        Error = job.Error,
        ErrorRef = job.ErrorRef,
        UpdatedAt = job.UpdatedAt,
        HasRetry = hasRetry,
    };

    /// <summary>The job as a write of <paramref name="state"/> leaves it: what reading the row back would give.</summary>
    public static Job With(Job job, JobState state) => job with
    {
        Status = state.Status,
        Attempt = state.Attempt,
        MaxAttempts = state.MaxAttempts,
        CancelRequestedAt = state.CancelRequestedAt,
        LeaseOwner = state.LeaseOwner,
        LeaseExpiresAt = state.LeaseExpiresAt,
        CompletedAt = state.CompletedAt,
        ScheduledAt = state.ScheduledAt,
        Error = state.Error,
        ErrorRef = state.ErrorRef,
        UpdatedAt = state.UpdatedAt,
    };
}
