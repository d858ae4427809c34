using System.Diagnostics.Metrics;
using Conveyor.Workers;

namespace Conveyor.Caching;

/// <summary>Counts the job cache's answers as <c>conveyor.cache.requests</c> by <c>result</c> (hit, or miss when the store answered) and <c>view</c>.</summary>
public sealed class MeteredJobCache(IJobCache inner, IMeterFactory meters) : IJobCache
{
    private static readonly int ViewCount = Enum.GetValues<JobCacheView>().Length;

    private static readonly KeyValuePair<string, object?>[][] Tags = [.. Enum.GetValues<JobCacheView>().Select(v => new[]
    {
        new KeyValuePair<string, object?>("result", "hit"), new KeyValuePair<string, object?>("view", ViewName(v)),
    }).Concat(Enum.GetValues<JobCacheView>().Select(v => new[]
    {
        new KeyValuePair<string, object?>("result", "miss"), new KeyValuePair<string, object?>("view", ViewName(v)),
    }))];

    private readonly Counter<long> _requests = meters.Create(WorkerMetrics.Name)
        .CreateCounter<long>("conveyor.cache.requests", "{request}", "Job reads, by whether the cache answered (hit) or the store (miss), and the view read.");

    public async ValueTask<byte[]?> GetOrLoadAsync(Guid jobId, JobCacheView view, Func<CancellationToken, ValueTask<byte[]?>> load, CancellationToken ct)
    {
        var missed = false;
        var payload = await inner.GetOrLoadAsync(jobId, view, c =>
        {
            missed = true;
            return load(c);
        }, ct);
        var tags = Tags[(missed ? ViewCount : 0) + (int)view];
        _requests.Add(1, tags[0], tags[1]);
        return payload;
    }

    public ValueTask InvalidateAsync(IReadOnlyCollection<Guid> jobIds, CancellationToken ct) => inner.InvalidateAsync(jobIds, ct);

    public ValueTask InvalidateAllAsync(CancellationToken ct) => inner.InvalidateAllAsync(ct);

    private static string ViewName(JobCacheView view) => view == JobCacheView.Status ? "status" : "resource";
}
