using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Conveyor.Caching;

/// <summary>
/// The cache of the embedded store (SQLite, one process): payloads in this process's memory. A change bumps the
/// version stripe of its job before removing the entry, and a load re-checks that stripe after storing its
/// payload, so a load that read the store before a change can never leave the old payload behind.
/// </summary>
public sealed class MemoryJobStatusCache : IJobStatusCache, IDisposable
{
    private const int Stripes = 4096;
    private readonly long[] _versions = new long[Stripes];
    private readonly MemoryCache _entries = new(new MemoryCacheOptions { SizeLimit = 100_000 });
    private readonly TimeSpan _ttl;
    private readonly TimeProvider _time;
    private long _generation;

    public MemoryJobStatusCache(IOptions<RedisOptions> options, TimeProvider time)
    {
        _ttl = options.Value.StatusTtl;
        _time = time;
    }

    public async ValueTask<byte[]?> GetOrLoadAsync(Guid jobId, Func<CancellationToken, ValueTask<byte[]?>> load, CancellationToken ct)
    {
        if (_entries.TryGetValue(jobId, out Entry? hit) && hit!.Expires > _time.GetUtcNow() &&
            hit.Generation == Volatile.Read(ref _generation)) return hit.Payload;

        var stripe = Stripe(jobId);
        var version = Volatile.Read(ref _versions[stripe]);
        var generation = Volatile.Read(ref _generation);
        var payload = await load(ct);
        if (payload is null) return null;
        _entries.Set(jobId, new Entry(payload, _time.GetUtcNow() + _ttl, generation), new MemoryCacheEntryOptions { Size = 1 });
        if (Volatile.Read(ref _versions[stripe]) != version || Volatile.Read(ref _generation) != generation) _entries.Remove(jobId);
        return payload;
    }

    public ValueTask InvalidateAsync(IReadOnlyCollection<Guid> jobIds, CancellationToken ct)
    {
        foreach (var id in jobIds)
        {
            Interlocked.Increment(ref _versions[Stripe(id)]);
            _entries.Remove(id);
        }
        return ValueTask.CompletedTask;
    }

    public ValueTask InvalidateAllAsync(CancellationToken ct)
    {
        Interlocked.Increment(ref _generation);
        return ValueTask.CompletedTask;
    }

    public void Dispose() => _entries.Dispose();

    private static int Stripe(Guid id) => (id.GetHashCode() & int.MaxValue) % Stripes;

    private sealed record Entry(byte[] Payload, DateTimeOffset Expires, long Generation);
}
