using System.Diagnostics.Metrics;
using Conveyor.Workers;

namespace Conveyor.Caching;

/// <summary>Counts the status cache's answers as <c>conveyor.cache.requests</c> by <c>result</c> (hit, or miss when the store answered).</summary>
public sealed class MeteredStatusCache(IJobStatusCache inner, IMeterFactory meters) : IJobStatusCache
{
    private readonly Counter<long> _requests = meters.Create(WorkerMetrics.Name)
        .CreateCounter<long>("conveyor.cache.requests", "{request}", "Status reads, by whether the cache answered (hit) or the store (miss).");

    public async ValueTask<byte[]?> GetOrLoadAsync(Guid jobId, Func<CancellationToken, ValueTask<byte[]?>> load, CancellationToken ct)
    {
        var missed = false;
        var payload = await inner.GetOrLoadAsync(jobId, c =>
        {
            missed = true;
            return load(c);
        }, ct);
        _requests.Add(1, new KeyValuePair<string, object?>("result", missed ? "miss" : "hit"));
        return payload;
    }

    public ValueTask InvalidateAsync(IReadOnlyCollection<Guid> jobIds, CancellationToken ct) => inner.InvalidateAsync(jobIds, ct);

    public ValueTask InvalidateAllAsync(CancellationToken ct) => inner.InvalidateAllAsync(ct);
}
