namespace Conveyor.Storage;

/// <summary>The node registry: every API and worker process heartbeats its row; the leader prunes the stale ones.</summary>
public interface INodeRegistry
{
    /// <summary>Writes the node's row (inserted the first time, replaced after).</summary>
    Task HeartbeatAsync(NodeRecord node, CancellationToken ct);

    /// <summary>Every registered node, oldest first, each with up to <paramref name="jobsPerNode"/> of the jobs it holds running.</summary>
    Task<IReadOnlyList<NodeRecord>> ListNodesAsync(int jobsPerNode, CancellationToken ct);

    /// <summary>Removes nodes whose last heartbeat is before <paramref name="staleBefore"/>; returns how many.</summary>
    Task<int> PruneNodesAsync(DateTimeOffset staleBefore, CancellationToken ct);

    /// <summary>Removes the node's row (a graceful stop).</summary>
    Task RemoveNodeAsync(string id, CancellationToken ct);
}
