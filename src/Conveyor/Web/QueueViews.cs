using System.Collections.Concurrent;

namespace Conveyor.Web;

/// <summary>
/// The queue's live streams' reads, shared on this node: every open <c>/admin/queue</c> page with the same filters gets
/// the same load of the store in a tick (<see cref="LiveStream.Interval"/>), so N pages showing one view cost one read
/// a second, not N. Each page still renders its own HTML (what a role may do differs).
/// </summary>
public sealed class QueueViews(QueueLoader loader, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Load> _loads = new(StringComparer.Ordinal);

    private sealed record Load(DateTimeOffset At, Task<QueueView> View);

    /// <summary>The view of <paramref name="filters"/> as loaded this tick, loading it when no page has yet.</summary>
    public Task<QueueView> LoadAsync(QueueFilters filters, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var key = Key(filters);
        var load = _loads.AddOrUpdate(key, _ => Start(filters, now), (_, old) => now - old.At < LiveStream.Interval ? old : Start(filters, now));
        // Views nobody asked for in the last ticks go, so the dictionary holds only the views open now.
        foreach (var (k, l) in _loads)
            if (now - l.At > 2 * LiveStream.Interval) _loads.TryRemove(new KeyValuePair<string, Load>(k, l));
        return load.View.WaitAsync(ct);
    }

    /// <summary>One load for every page that waits on it: not ended by any one page going away.</summary>
    private Load Start(QueueFilters filters, DateTimeOffset now) => new(now, loader.LoadAsync(filters, CancellationToken.None));

    private static string Key(QueueFilters filters) => string.Join('&', filters.Values.OrderBy(p => p.Key, StringComparer.Ordinal)
        .SelectMany(p => p.Value.Select(v => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(v ?? ""))));
}
