using Conveyor.Storage;
using Conveyor.Workers.Maintenance;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Conveyor.Workers.Nodes;

/// <summary>On the leader, every <see cref="WorkerOptions.SweepInterval"/>: removes the rows of nodes that stopped heartbeating.</summary>
public sealed class NodePruner(INodeRegistry registry, IOptions<WorkerOptions> options, TimeProvider time, ILogger<NodePruner> logger)
    : IMaintenanceService
{
    public string Name => "node pruner";

    public TimeSpan Interval => options.Value.SweepInterval;

    public async Task RunOnceAsync(CancellationToken ct)
    {
        var pruned = await registry.PruneNodesAsync(time.GetUtcNow() - options.Value.NodeStaleAfter, ct);
        if (pruned > 0) logger.LogInformation("Pruned {Count} stale nodes from the registry", pruned);
    }
}
