using System.Diagnostics;
using Conveyor.Core;
using Conveyor.Storage;

namespace Conveyor.Bench;

/// <summary>Wraps a store to count the worker's round trips and their batch sizes, printed beside each drain result.</summary>
public sealed class MeasuredStore(IJobStore inner) : IJobStore
{
    private long _claims, _claimed, _completes, _completed, _claimTicks, _completeTicks;

    public string Summary =>
        $"claims={_claims} per_claim={(double)_claimed / Math.Max(1, _claims):F1} claim_ms={Ms(_claimTicks, _claims):F2} " +
        $"completes={_completes} per_complete={(double)_completed / Math.Max(1, _completes):F1} complete_ms={Ms(_completeTicks, _completes):F2}";

    private static double Ms(long ticks, long count) => TimeSpan.FromTicks(ticks / Math.Max(1, count)).TotalMilliseconds;

    public async Task<IReadOnlyList<Job>> ClaimAsync(string owner, int max, TimeSpan lease, CancellationToken ct)
    {
        var start = Stopwatch.GetTimestamp();
        var jobs = await inner.ClaimAsync(owner, max, lease, ct);
        Interlocked.Add(ref _claimTicks, Stopwatch.GetElapsedTime(start).Ticks);
        Interlocked.Increment(ref _claims);
        Interlocked.Add(ref _claimed, jobs.Count);
        return jobs;
    }

    public async Task<int> CompleteAsync(string owner, IReadOnlyList<Completion> completions, CancellationToken ct)
    {
        var start = Stopwatch.GetTimestamp();
        var written = await inner.CompleteAsync(owner, completions, ct);
        Interlocked.Add(ref _completeTicks, Stopwatch.GetElapsedTime(start).Ticks);
        Interlocked.Increment(ref _completes);
        Interlocked.Add(ref _completed, completions.Count);
        return written;
    }

    public Task MigrateAsync(CancellationToken ct) => inner.MigrateAsync(ct);
    public Task PingAsync(CancellationToken ct) => inner.PingAsync(ct);
    public Task<CreateOutcome> CreateAsync(NewJob job, AuditContext audit, CancellationToken ct) => inner.CreateAsync(job, audit, ct);
    public Task<IReadOnlyList<Job>> CreateBatchAsync(IReadOnlyList<NewJob> jobs, AuditContext audit, CancellationToken ct) => inner.CreateBatchAsync(jobs, audit, ct);
    public Task<Job?> GetAsync(Guid id, CancellationToken ct) => inner.GetAsync(id, ct);
    public Task<JobPage> ListAsync(JobQuery query, CancellationToken ct) => inner.ListAsync(query, ct);
    public Task<IReadOnlyList<Job>> ListChangedAsync(IReadOnlyCollection<Guid> ids, DateTimeOffset since, CancellationToken ct) => inner.ListChangedAsync(ids, since, ct);
    public Task<long> CountAsync(JobQuery filter, CancellationToken ct) => inner.CountAsync(filter, ct);
    public Task<IReadOnlyList<JobGroupCount>> CountByAsync(JobQuery filter, JobCountField field, IReadOnlyList<string> values, CancellationToken ct) =>
        inner.CountByAsync(filter, field, values, ct);
    public Task<IReadOnlyList<Guid>> ListIdsAsync(JobQuery filter, Guid? after, int limit, CancellationToken ct) => inner.ListIdsAsync(filter, after, limit, ct);
    public Task<IReadOnlyList<JobEvent>?> GetEventsAsync(Guid id, CancellationToken ct) => inner.GetEventsAsync(id, ct);
    public Task<Guid?> FindRetryAsync(Guid id, CancellationToken ct) => inner.FindRetryAsync(id, ct);
    public Task<OperationOutcome> ApplyAsync(Guid id, JobOperation operation, AuditContext audit, CancellationToken ct) => inner.ApplyAsync(id, operation, audit, ct);
    public Task<BulkApplyOutcome> ApplyManyAsync(BulkApply bulk, CancellationToken ct) => inner.ApplyManyAsync(bulk, ct);
    public Task<RetryAsNewOutcome> RetryAsNewAsync(Guid id, Func<Job, NewJob> buildRetry, AuditContext audit, CancellationToken ct) => inner.RetryAsNewAsync(id, buildRetry, audit, ct);
    public Task<IReadOnlyList<LeaseStop>> HeartbeatAsync(string owner, IReadOnlyCollection<Guid> ids, TimeSpan lease, CancellationToken ct) => inner.HeartbeatAsync(owner, ids, lease, ct);
    public Task FlushProgressAsync(IReadOnlyList<ProgressUpdate> updates, CancellationToken ct) => inner.FlushProgressAsync(updates, ct);
    public Task<int> RescueExpiredAsync(int max, CancellationToken ct) => inner.RescueExpiredAsync(max, ct);
    public Task<int> ReleaseAsync(string owner, IReadOnlyCollection<Guid> ids, CancellationToken ct) => inner.ReleaseAsync(owner, ids, ct);
    public Task<IQueueSignal> SubscribeAsync(CancellationToken ct) => inner.SubscribeAsync(ct);
}
