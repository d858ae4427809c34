namespace Conveyor.Storage;

/// <summary>
/// Who the leader is: the one node that runs the maintenance services (the rescuer; later the pruner and the
/// scheduler). On PostgreSQL a leader row held for a term that its node extends; on SQLite the one process.
/// </summary>
public interface ILeaderElection
{
    /// <summary>
    /// Makes <paramref name="nodeId"/> the leader for <paramref name="ttl"/> if there is no leader or the leader's term
    /// has expired, or extends the term if <paramref name="nodeId"/> already leads; returns the leader after the
    /// attempt (<c>null</c> when another node's election raced this one and none could be read).
    /// </summary>
    Task<LeaderTerm?> ElectAsync(string nodeId, TimeSpan ttl, CancellationToken ct);

    /// <summary>Ends <paramref name="nodeId"/>'s term now if it leads, so another node need not wait for it to expire.</summary>
    Task ResignAsync(string nodeId, CancellationToken ct);
}
