using Conveyor.Workers.Leadership;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Conveyor.Hosting;

/// <summary>
/// Names the leader (the node that runs the maintenance services) and says whether this node is it. Always healthy:
/// a node serves and works without being the leader, and between two terms there may briefly be none.
/// </summary>
public sealed class LeaderHealthCheck(LeaderElector elector) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = elector.Status;
        var description = status switch
        {
            { IsLeader: true } => $"This node ({status.NodeId}) is the leader: it runs the maintenance services.",
            { Leader: { } leader } => $"Node {leader} is the leader; this node ({status.NodeId}) is not.",
            _ => $"No leader is known yet; this node ({status.NodeId}) is a candidate.",
        };
        var data = new Dictionary<string, object>
        {
            ["this_node"] = status.NodeId,
            ["is_leader"] = status.IsLeader,
        };
        if (status.Leader is not null)
        {
            data["leader"] = status.Leader;
            data["leader_since"] = status.LeaderSince!.Value;
            data["leader_until"] = status.LeaderUntil!.Value;
        }
        return Task.FromResult(HealthCheckResult.Healthy(description, data));
    }
}
