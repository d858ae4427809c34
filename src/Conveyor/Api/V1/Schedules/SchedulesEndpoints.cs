using Conveyor.Application.Schedules;
using Conveyor.Auth;
using Conveyor.Storage;

namespace Conveyor.Api.V1.Schedules;

/// <summary><c>GET /api/v1/schedules</c>: the periodic jobs of <c>Conveyor:Schedules</c>, with their next and last run.</summary>
public static class SchedulesEndpoints
{
    public static RouteGroupBuilder MapSchedulesV1(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/schedules").WithTags("Schedules").RequireAuthorization(Policies.Viewer);
        group.MapGet("/", ListAsync)
            .WithName("ListSchedules")
            .WithSummary("List the periodic schedules with their next and last run")
            .WithDescription("Schedules come from configuration (Conveyor:Schedules:{name}:Cron and :Job); the leader enqueues one job per tick.")
            .Produces<ScheduleListResource>();
        return group;
    }

    private static async Task<IResult> ListAsync(ScheduleSet schedules, IScheduleStore store, TimeProvider time, CancellationToken ct)
    {
        var runs = (await store.ListScheduleRunsAsync(ct)).ToDictionary(r => r.Name, StringComparer.Ordinal);
        var now = time.GetUtcNow();
        var items = schedules.Schedules.Select(s =>
        {
            var run = runs.GetValueOrDefault(s.Name);
            var from = run is null || run.LastTick < now ? now : run.LastTick;
            return new ScheduleResource(s.Name, s.CronText, s.Zone.Id, s.Request, s.NextAfter(from), run?.LastJobId is null ? null : run.LastTick, run?.LastJobId);
        }).ToList();
        return TypedResults.Ok(new ScheduleListResource(items));
    }
}
