namespace Conveyor.Caching;

/// <summary>
/// The job status cache (seed 002: "hit Redis cache first, fall back to PostgreSQL"). It holds a rendered status
/// payload per job for a short time; every state change removes the entry before the write's caller goes on, so a
/// read is never staler than a write that finished before it.
/// </summary>
public interface IJobStatusCache
{
    /// <summary>
    /// The cached payload of <paramref name="jobId"/>, or <paramref name="load"/>'s (cached unless a change raced
    /// it). <c>null</c> (no such job) is never cached. Never throws for a cache fault: the store answers instead.
    /// </summary>
    ValueTask<byte[]?> GetOrLoadAsync(Guid jobId, Func<CancellationToken, ValueTask<byte[]?>> load, CancellationToken ct);

    /// <summary>Drops the entries of jobs whose state just changed.</summary>
    ValueTask InvalidateAsync(IReadOnlyCollection<Guid> jobIds, CancellationToken ct);

    /// <summary>Drops every entry (after a change whose jobs are not known one by one, such as a rescue).</summary>
    ValueTask InvalidateAllAsync(CancellationToken ct);
}
