using Conveyor.Storage;

namespace Conveyor.Caching;

/// <summary>The rescuer, dropping the whole status cache after a rescue changed jobs (it reports how many, not which).</summary>
public sealed class CacheInvalidatingMaintenance(IJobMaintenance inner, IJobCache cache) : IJobMaintenance
{
    public async Task<int> RescueExpiredAsync(int max, CancellationToken ct)
    {
        var rescued = await inner.RescueExpiredAsync(max, ct);
        if (rescued > 0) await cache.InvalidateAllAsync(CancellationToken.None);
        return rescued;
    }
}
