using Conveyor.Storage;

namespace Conveyor.Caching;

/// <summary>The demo data, dropping the whole job cache after a clear deleted the synthetic jobs (they must answer 404).</summary>
public sealed class CacheInvalidatingDemoData(IDemoData inner, IJobCache cache) : IDemoData
{
    // Seeding inserts new jobs only: a miss is never cached.
    public Task SeedDemoAsync(DemoSeed seed, CancellationToken ct) => inner.SeedDemoAsync(seed, ct);

    public async Task<DemoCleared> ClearDemoAsync(CancellationToken ct)
    {
        var cleared = await inner.ClearDemoAsync(ct);
        if (cleared.Jobs > 0) await cache.InvalidateAllAsync(CancellationToken.None);
        return cleared;
    }
}
