namespace Conveyor.Caching;

/// <summary>
/// The job cache: a rendered payload per job and view (seed 002's status, the v1 job resource) for a short time,
/// "hit the cache first, fall back to the store". Every change of a job removes all of its entries before the
/// change's caller goes on, so a read is never staler than a write that finished before it (on another node of a
/// Redis install: within <see cref="RedisOptions.NearTtl"/> at worst, see <see cref="RedisJobCache"/>).
/// </summary>
public interface IJobCache
{
    /// <summary>
    /// The cached <paramref name="view"/> of <paramref name="jobId"/>, or <paramref name="load"/>'s (cached unless a
    /// change raced it). <c>null</c> (no such job) is never cached. Never throws for a cache fault: the store answers instead.
    /// </summary>
    ValueTask<byte[]?> GetOrLoadAsync(Guid jobId, JobCacheView view, Func<CancellationToken, ValueTask<byte[]?>> load, CancellationToken ct);

    /// <summary>Drops every view of the jobs whose state just changed.</summary>
    ValueTask InvalidateAsync(IReadOnlyCollection<Guid> jobIds, CancellationToken ct);

    /// <summary>Drops every entry (after a change whose jobs are not known one by one, such as a rescue or a prune).</summary>
    ValueTask InvalidateAllAsync(CancellationToken ct);
}
