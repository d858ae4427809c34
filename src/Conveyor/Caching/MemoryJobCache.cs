using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Conveyor.Caching;

/// <summary>
/// Payloads in this process's memory: the whole cache of the embedded store (SQLite, one process), and the near cache
/// in front of Redis on each node (<see cref="Near"/>). A change bumps the version stripe of its job before removing
/// its entries, and a load re-checks that stripe after storing its payload, so a load that read behind a change can
/// never leave the old payload behind.
/// </summary>
public sealed class MemoryJobCache : IJobCache, IDisposable
{
    private const int Stripes = 4096;
    private static readonly JobCacheView[] Views = Enum.GetValues<JobCacheView>();
    private readonly long[] _versions = new long[Stripes];
    private readonly MemoryCache _entries;
    private readonly TimeSpan _ttl;
    private readonly TimeProvider _time;
    private long _generation;

    public MemoryJobCache(IOptions<RedisOptions> options, TimeProvider time)
        : this(options.Value.StatusTtl, time, sizeLimit: 100_000)
    {
    }

    private MemoryJobCache(TimeSpan ttl, TimeProvider time, int sizeLimit)
    {
        _ttl = ttl;
        _time = time;
        _entries = new MemoryCache(new MemoryCacheOptions { SizeLimit = sizeLimit });
    }

    /// <summary>A node's near cache: entries live <paramref name="ttl"/> at most, whatever else happens.</summary>
    public static MemoryJobCache Near(TimeSpan ttl, TimeProvider time) => new(ttl, time, sizeLimit: 50_000);

    public async ValueTask<byte[]?> GetOrLoadAsync(Guid jobId, JobCacheView view, Func<CancellationToken, ValueTask<byte[]?>> load, CancellationToken ct)
    {
        var key = new EntryKey(jobId, view);
        if (_entries.TryGetValue(key, out Entry? hit) && hit!.Expires > _time.GetUtcNow() &&
            hit.Generation == Volatile.Read(ref _generation)) return hit.Payload;

        var stripe = Stripe(jobId);
        var version = Volatile.Read(ref _versions[stripe]);
        var generation = Volatile.Read(ref _generation);
        var payload = await load(ct);
        if (payload is null) return null;
        _entries.Set(key, new Entry(payload, _time.GetUtcNow() + _ttl, generation), new MemoryCacheEntryOptions { Size = 1 });
        if (Volatile.Read(ref _versions[stripe]) != version || Volatile.Read(ref _generation) != generation) _entries.Remove(key);
        return payload;
    }

    public ValueTask InvalidateAsync(IReadOnlyCollection<Guid> jobIds, CancellationToken ct)
    {
        foreach (var id in jobIds) Invalidate(id);
        return ValueTask.CompletedTask;
    }

    /// <summary>Drops every view of one job (the version first: a load in flight then cannot keep its payload).</summary>
    public void Invalidate(Guid jobId)
    {
        Interlocked.Increment(ref _versions[Stripe(jobId)]);
        foreach (var view in Views) _entries.Remove(new EntryKey(jobId, view));
    }

    public ValueTask InvalidateAllAsync(CancellationToken ct)
    {
        InvalidateAll();
        return ValueTask.CompletedTask;
    }

    /// <summary>Drops every entry: older generations are never served again, and the memory is given back.</summary>
    public void InvalidateAll()
    {
        Interlocked.Increment(ref _generation);
        _entries.Clear();
    }

    public void Dispose() => _entries.Dispose();

    private static int Stripe(Guid id) => (id.GetHashCode() & int.MaxValue) % Stripes;

    private readonly record struct EntryKey(Guid JobId, JobCacheView View);

    private sealed record Entry(byte[] Payload, DateTimeOffset Expires, long Generation);
}
