using Conveyor.Auth;
using Conveyor.Storage;

namespace Conveyor.Api.V1;

/// <summary><c>GET /api/v1/nodes</c>: the node registry, for anyone who may read the queue (viewer+).</summary>
public static class NodesEndpoints
{
    /// <summary>Running jobs listed per node (the count is <c>jobs_held</c>).</summary>
    public const int JobsPerNode = 100;

    public static RouteGroupBuilder MapNodesV1(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/nodes").WithTags("Nodes").RequireAuthorization(Policies.Viewer);

        group.MapGet("/", ListAsync)
            .WithName("ListNodes")
            .WithSummary("Every API and worker process, as it last reported itself")
            .WithDescription("Each node heartbeats its row every Conveyor:Workers:HeartbeatInterval (5 s): kind (serve or worker), " +
                "version, started_at, heartbeat_at, workers busy and idle, the jobs it holds (jobs_held; running_jobs lists up to 100 " +
                "of those it runs) and whether it is the leader. A graceful stop removes the row; the leader prunes a node that " +
                "has not heartbeated for Conveyor:Workers:NodeStaleAfter (1 minute).")
            .Produces<NodeListResource>();

        return group;
    }

    private static async Task<IResult> ListAsync(INodeRegistry nodes, CancellationToken ct)
    {
        var list = await nodes.ListNodesAsync(JobsPerNode, ct);
        return TypedResults.Ok(new NodeListResource(list.Select(NodeResource.From).ToList()));
    }
}

/// <summary>The node registry.</summary>
public sealed record NodeListResource(IReadOnlyList<NodeResource> Items);

/// <summary>One node of the registry.</summary>
public sealed record NodeResource(string Id, string Kind, string Version, DateTimeOffset StartedAt, DateTimeOffset HeartbeatAt, int Workers,
    int WorkersBusy, int WorkersIdle, int JobsHeld, bool IsLeader, IReadOnlyList<Guid> RunningJobs)
{
    public static NodeResource From(NodeRecord node) => new(node.Id, node.Kind, node.Version, node.StartedAt, node.HeartbeatAt, node.Workers,
        node.WorkersBusy, Math.Max(0, node.Workers - node.WorkersBusy), node.JobsHeld, node.IsLeader, node.RunningJobs);
}
