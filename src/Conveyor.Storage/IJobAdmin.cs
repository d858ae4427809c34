using Conveyor.Core;

namespace Conveyor.Storage;

/// <summary>State changes made on behalf of a person: create, cancel/requeue, retry-as-new. Each commits its job
/// events and its audit event in one transaction.</summary>
public interface IJobAdmin
{
    /// <summary>Creates a job, or returns the one created earlier with the same idempotency key.</summary>
    Task<CreateOutcome> CreateAsync(NewJob job, AuditContext audit, CancellationToken ct);

    /// <summary>Creates all of <paramref name="jobs"/> in one transaction, with one audit event for the batch.</summary>
    Task<IReadOnlyList<Job>> CreateBatchAsync(IReadOnlyList<NewJob> jobs, AuditContext audit, CancellationToken ct);

    /// <summary>Applies an operator's operation (<see cref="JobOperation.Cancel"/>, <see cref="JobOperation.Requeue"/>).</summary>
    Task<OperationOutcome> ApplyAsync(Guid id, JobOperation operation, AuditContext audit, CancellationToken ct);

    /// <summary>One batch of a bulk action, in one transaction; see <see cref="BulkApply"/>.</summary>
    Task<BulkApplyOutcome> ApplyManyAsync(BulkApply bulk, CancellationToken ct);

    /// <summary>
    /// Seed 004's retry: a new job built by <paramref name="buildRetry"/> from the original (read under its
    /// row lock), once per original; a repeated call returns the same new job.
    /// </summary>
    Task<RetryAsNewOutcome> RetryAsNewAsync(Guid id, Func<Job, NewJob> buildRetry, AuditContext audit, CancellationToken ct);
}
