namespace Conveyor.Caching;

/// <summary>
/// No cache: every read goes to the store. Used on PostgreSQL without Redis, where workers on other nodes change jobs
/// and no shared place exists to tell this node's memory about it.
/// </summary>
public sealed class StoreOnlyJobCache : IJobCache
{
    public ValueTask<byte[]?> GetOrLoadAsync(Guid jobId, JobCacheView view, Func<CancellationToken, ValueTask<byte[]?>> load, CancellationToken ct) =>
        load(ct);

    public ValueTask InvalidateAsync(IReadOnlyCollection<Guid> jobIds, CancellationToken ct) => ValueTask.CompletedTask;

    public ValueTask InvalidateAllAsync(CancellationToken ct) => ValueTask.CompletedTask;
}
