using System.Reflection;
using Conveyor.Auth;
using Conveyor.Workers;
using Conveyor.Workers.Leadership;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Conveyor.Web;

/// <summary><c>/admin/nodes</c>: the processes serving this installation, which one leads, and their workers.</summary>
public static class NodesPageEndpoints
{
    public static void MapNodesPages(this IEndpointRouteBuilder routes) =>
        routes.MapGet("/admin/nodes", Page).RequireAuthorization(Policies.Viewer);

    private static IResult Page(HttpContext context, LeaderElector leader, WorkerRuntime workers, IOptions<WorkerOptions> options, TimeProvider time)
    {
        var status = leader.Status;
        var version = typeof(NodesPageEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        var node = new NodeView(status.NodeId, "api" + (options.Value.Count > 0 ? " + workers" : ""), version, options.Value.Count,
            workers.RunningCount, status.IsLeader, time.GetUtcNow());
        return new RazorComponentResult<NodesPage>(new { Shell = Shell.For(context), Nodes = new[] { node }, Leader = status });
    }
}

/// <summary>One process as the nodes page shows it.</summary>
public sealed record NodeView(string Id, string Kind, string Version, int Workers, int Busy, bool Leader, DateTimeOffset Heartbeat);
