using Conveyor.Core;

namespace Conveyor.Storage;

/// <summary>
/// The one storage contract: a job table with its event log, and the queue operations workers use.
/// Every state change and its <c>job_events</c> row commit together, and every change moves <c>updated_at</c>.
/// A call on behalf of a person takes an <see cref="AuditContext"/>: its <c>audit_events</c> row (with the outcome the
/// store decided) commits in the same transaction, and the job events it causes carry its id.
/// </summary>
public interface IJobStore
{
    /// <summary>Applies the embedded migrations that this database does not have yet.</summary>
    Task MigrateAsync(CancellationToken ct);

    /// <summary>Checks that the store answers (for <c>/health/ready</c>).</summary>
    Task PingAsync(CancellationToken ct);

    /// <summary>Creates a job, or returns the one created earlier with the same idempotency key.</summary>
    Task<CreateOutcome> CreateAsync(NewJob job, AuditContext audit, CancellationToken ct);

    /// <summary>Creates all of <paramref name="jobs"/> in one transaction, with one audit event for the batch.</summary>
    Task<IReadOnlyList<Job>> CreateBatchAsync(IReadOnlyList<NewJob> jobs, AuditContext audit, CancellationToken ct);

    Task<Job?> GetAsync(Guid id, CancellationToken ct);

    Task<JobPage> ListAsync(JobQuery query, CancellationToken ct);

    /// <summary>The job's events, oldest first; <c>null</c> when there is no such job.</summary>
    Task<IReadOnlyList<JobEvent>?> GetEventsAsync(Guid id, CancellationToken ct);

    /// <summary>The job created from <paramref name="id"/> by retry-as-new, if any.</summary>
    Task<Guid?> FindRetryAsync(Guid id, CancellationToken ct);

    /// <summary>Applies an operator's operation (<see cref="JobOperation.Cancel"/>, <see cref="JobOperation.Requeue"/>).</summary>
    Task<OperationOutcome> ApplyAsync(Guid id, JobOperation operation, AuditContext audit, CancellationToken ct);

    /// <summary>
    /// Seed 004's retry: a new job built by <paramref name="buildRetry"/> from the original (read under its
    /// row lock), once per original; a repeated call returns the same new job.
    /// </summary>
    Task<RetryAsNewOutcome> RetryAsNewAsync(Guid id, Func<Job, NewJob> buildRetry, AuditContext audit, CancellationToken ct);

    /// <summary>Claims up to <paramref name="max"/> due jobs for <paramref name="owner"/> in one statement.</summary>
    Task<IReadOnlyList<Job>> ClaimAsync(string owner, int max, TimeSpan lease, CancellationToken ct);

    /// <summary>Extends the leases <paramref name="owner"/> holds; returns the ids whose cancel was requested.</summary>
    Task<IReadOnlyList<Guid>> HeartbeatAsync(string owner, IReadOnlyCollection<Guid> ids, TimeSpan lease, CancellationToken ct);

    /// <summary>Records how handlers ended, in one transaction; jobs no longer leased by <paramref name="owner"/> are skipped.</summary>
    Task<int> CompleteAsync(string owner, IReadOnlyList<Completion> completions, CancellationToken ct);

    /// <summary>Writes progress counters of running jobs in one transaction.</summary>
    Task FlushProgressAsync(IReadOnlyList<ProgressUpdate> updates, CancellationToken ct);

    /// <summary>Rescues running jobs whose lease expired: re-queued, failed ("worker lost") or cancelled.</summary>
    Task<int> RescueExpiredAsync(int max, CancellationToken ct);

    /// <summary>Hands unfinished jobs back to the queue on graceful shutdown.</summary>
    Task<int> ReleaseAsync(string owner, IReadOnlyCollection<Guid> ids, CancellationToken ct);

    /// <summary>Subscribes to "new work is due" signals (LISTEN/NOTIFY, or in-process).</summary>
    Task<IQueueSignal> SubscribeAsync(CancellationToken ct);
}
