using Conveyor.Auth;
using Conveyor.Storage;
using Conveyor.Workers;
using Conveyor.Workers.Leadership;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Conveyor.Web;

/// <summary>
/// <c>/admin/nodes</c>: the node registry (every API and worker process with its heartbeat, version, workers busy and
/// idle, the jobs it holds, and which one leads), read from the store, so every node shows the same, live.
/// </summary>
public static class NodesPageEndpoints
{
    /// <summary>Running jobs linked per node (the count is every job it holds).</summary>
    public const int JobsShown = 10;

    public static void MapNodesPages(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/admin/nodes", PageAsync).RequireAuthorization(Policies.Viewer);
        routes.MapGet("/admin/nodes/live", Live).RequireAuthorization(Policies.Viewer);
    }

    private static async Task<NodesView> LoadAsync(INodeRegistry registry, LeaderElector leader, IOptions<WorkerOptions> options, TimeProvider time,
        CancellationToken ct) =>
        new(await registry.ListNodesAsync(JobsShown, ct), leader.Status, time.GetUtcNow(), options.Value.HeartbeatInterval);

    private static async Task<IResult> PageAsync(HttpContext context, INodeRegistry registry, LeaderElector leader, IOptions<WorkerOptions> options,
        TimeProvider time) =>
        new RazorComponentResult<NodesPage>(new { Shell = Shell.For(context), View = await LoadAsync(registry, leader, options, time, context.RequestAborted) });

    private static IResult Live(HttpContext context, INodeRegistry registry, LeaderElector leader, IOptions<WorkerOptions> options, TimeProvider time,
        FragmentRenderer renderer)
    {
        if (!LiveStream.Accepts(context.Request)) return LiveStream.NotAStream();
        IReadOnlyList<string>? ids = null;
        string? announcement = null;
        async Task<IReadOnlyList<LiveStream.Region>> RenderAsync(CancellationToken ct)
        {
            var view = await LoadAsync(registry, leader, options, time, ct);
            var now = view.Nodes.Select(n => n.Id).ToList();
            announcement = ids is null || ids.SequenceEqual(now) ? null
                : $"Nodes changed: {now.Count} now ({string.Join(", ", now.Except(ids).Select(n => n + " joined").Concat(ids.Except(now).Select(n => n + " left")))}).";
            ids = now;
            return [new("node-rows", await renderer.RenderAsync<NodeRows>(new Dictionary<string, object?> { ["View"] = view }))];
        }
        return TypedResults.ServerSentEvents(LiveStream.RunAsync(RenderAsync, _ => announcement, time, context.RequestAborted));
    }
}

/// <summary>What the nodes page shows: the registry, this node's view of the leadership, and the time it was read.</summary>
public sealed record NodesView(IReadOnlyList<NodeRecord> Nodes, LeaderStatus Leader, DateTimeOffset Now, TimeSpan HeartbeatInterval)
{
    /// <summary>A node that missed two heartbeats (the leader prunes it once it is stale).</summary>
    public bool IsLate(NodeRecord node) => Now - node.HeartbeatAt > 2 * HeartbeatInterval;
}
