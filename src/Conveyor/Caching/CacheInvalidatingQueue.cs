using Conveyor.Core;
using Conveyor.Storage;

namespace Conveyor.Caching;

/// <summary>The workers' queue, dropping the cached views of every job a call changed once the call has committed.</summary>
public sealed class CacheInvalidatingQueue(IJobQueue inner, IJobCache cache) : IJobQueue
{
    public async Task<IReadOnlyList<Job>> ClaimAsync(string owner, int max, TimeSpan lease, CancellationToken ct)
    {
        var claimed = await inner.ClaimAsync(owner, max, lease, ct);
        if (claimed.Count > 0) await cache.InvalidateAsync(claimed.Select(j => j.Id).ToList(), CancellationToken.None);
        return claimed;
    }

    // A heartbeat moves the lease's expiry, which the v1 job resource shows.
    public async Task<IReadOnlyList<LeaseStop>> HeartbeatAsync(string owner, IReadOnlyCollection<Guid> ids, TimeSpan lease, CancellationToken ct)
    {
        try
        {
            return await inner.HeartbeatAsync(owner, ids, lease, ct);
        }
        finally
        {
            await cache.InvalidateAsync(ids, CancellationToken.None);
        }
    }

    public async Task<int> CompleteAsync(string owner, IReadOnlyList<Completion> completions, CancellationToken ct)
    {
        try
        {
            return await inner.CompleteAsync(owner, completions, ct);
        }
        finally
        {
            await cache.InvalidateAsync(completions.Select(c => c.Id).ToList(), CancellationToken.None);
        }
    }

    public async Task FlushProgressAsync(IReadOnlyList<ProgressUpdate> updates, CancellationToken ct)
    {
        try
        {
            await inner.FlushProgressAsync(updates, ct);
        }
        finally
        {
            await cache.InvalidateAsync(updates.Select(u => u.Id).ToList(), CancellationToken.None);
        }
    }

    public async Task<int> ReleaseAsync(string owner, IReadOnlyCollection<Guid> ids, CancellationToken ct)
    {
        try
        {
            return await inner.ReleaseAsync(owner, ids, ct);
        }
        finally
        {
            await cache.InvalidateAsync(ids, CancellationToken.None);
        }
    }

    public Task<IQueueSignal> SubscribeAsync(CancellationToken ct) => inner.SubscribeAsync(ct);
}
