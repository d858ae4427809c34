using Conveyor.Application;
using Conveyor.Auth;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Conveyor.Web;

/// <summary>
/// <c>/admin/stats</c>: the charts, drawn on the server as SVG from the same numbers as <c>GET /api/v1/stats</c>
/// (<see cref="StatsService"/>): throughput over 24 hours, queue depth by status, failure rate, run time by type.
/// </summary>
public static class StatsPageEndpoints
{
    public static void MapStatsPages(this IEndpointRouteBuilder routes) =>
        routes.MapGet("/admin/stats", PageAsync).RequireAuthorization(Policies.Viewer);

    private static async Task<IResult> PageAsync(HttpContext context, StatsService stats) =>
        new RazorComponentResult<StatsPage>(new { Shell = Shell.For(context), Stats = await stats.GetAsync(context.RequestAborted) });
}
