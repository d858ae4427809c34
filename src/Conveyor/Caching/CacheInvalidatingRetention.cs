using Conveyor.Storage;

namespace Conveyor.Caching;

/// <summary>
/// The pruner, dropping the whole job cache after a batch deleted jobs: a pruned job must answer 404, and a retry whose
/// original was pruned loses its <c>retry_of</c> (the batch reports how many jobs it deleted, not which were touched).
/// </summary>
public sealed class CacheInvalidatingRetention(IJobRetention inner, IJobCache cache) : IJobRetention
{
    public async Task<PrunedJobs> PruneFinishedAsync(DateTimeOffset before, int max, bool withRecords, CancellationToken ct)
    {
        var pruned = await inner.PruneFinishedAsync(before, max, withRecords, ct);
        if (pruned.Jobs > 0) await cache.InvalidateAllAsync(CancellationToken.None);
        return pruned;
    }

    public Task<IReadOnlyList<string>> FindStoredPathsAsync(IReadOnlyList<string> paths, CancellationToken ct) => inner.FindStoredPathsAsync(paths, ct);
}
