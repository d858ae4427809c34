using Conveyor.Core;
using Conveyor.Storage;

namespace Conveyor.Caching;

/// <summary>Operators' changes, dropping the cached status of the job they touched once the change has committed.</summary>
public sealed class CacheInvalidatingAdmin(IJobAdmin inner, IJobCache cache) : IJobAdmin
{
    // A new job has no entry: a miss is never cached.
    public Task<CreateOutcome> CreateAsync(NewJob job, AuditContext audit, CancellationToken ct) => inner.CreateAsync(job, audit, ct);

    public Task<IReadOnlyList<Job>> CreateBatchAsync(IReadOnlyList<NewJob> jobs, AuditContext audit, CancellationToken ct) =>
        inner.CreateBatchAsync(jobs, audit, ct);

    public async Task<OperationOutcome> ApplyAsync(Guid id, JobOperation operation, AuditContext audit, CancellationToken ct)
    {
        try
        {
            return await inner.ApplyAsync(id, operation, audit, ct);
        }
        finally
        {
            await cache.InvalidateAsync([id], CancellationToken.None);
        }
    }

    public async Task<BulkApplyOutcome> ApplyManyAsync(BulkApply bulk, CancellationToken ct)
    {
        try
        {
            return await inner.ApplyManyAsync(bulk, ct);
        }
        finally
        {
            await cache.InvalidateAsync(bulk.Ids, CancellationToken.None);
        }
    }

    public async Task<RetryAsNewOutcome> RetryAsNewAsync(Guid id, Func<Job, NewJob> buildRetry, AuditContext audit, CancellationToken ct)
    {
        try
        {
            return await inner.RetryAsNewAsync(id, buildRetry, audit, ct);
        }
        finally
        {
            await cache.InvalidateAsync([id], CancellationToken.None);
        }
    }
}
