using Conveyor.Application;
using Conveyor.Auth;
using Conveyor.Core;

namespace Conveyor.Api.V1;

/// <summary><c>GET /api/v1/stats</c>: the numbers behind the dashboard's charts (viewer+).</summary>
public static class StatsEndpoints
{
    public static RouteGroupBuilder MapStatsV1(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/stats").WithTags("Stats").RequireAuthorization(Policies.Viewer);

        group.MapGet("/", GetAsync)
            .WithName("GetStats")
            .WithSummary("Throughput, queue depth, failure rate and run times")
            .WithDescription("Over the last 24 hours in whole UTC minutes (from, to): finished_per_minute has all 1,440 minutes " +
                "(succeeded, failed, cancelled); queue_depth counts every job by status now; failure_rate is failed / (succeeded + " +
                "failed) in the window, null when none ended; run_time_by_type has count, p50_seconds and p95_seconds of the " +
                "jobs of each type that succeeded or failed in the window (start to end of the last attempt).")
            .Produces<StatsResource>();

        return group;
    }

    private static async Task<IResult> GetAsync(StatsService stats, CancellationToken ct)
    {
        var s = await stats.GetAsync(ct);
        return TypedResults.Ok(new StatsResource(s.From, s.To,
            s.FinishedPerMinute.Select(m => new FinishedMinuteResource(m.Minute, m.Succeeded, m.Failed, m.Cancelled)).ToList(),
            s.Depth.ToDictionary(d => d.Key.ToName(), d => d.Value, StringComparer.Ordinal),
            new FinishedResource(s.Succeeded, s.Failed, s.Cancelled), s.FailureRate,
            s.RunTimes.Select(r => new RunTimeResource(r.Type, r.Count, r.P50Seconds, r.P95Seconds)).ToList()));
    }
}

/// <summary>The charts' numbers.</summary>
public sealed record StatsResource(DateTimeOffset From, DateTimeOffset To, IReadOnlyList<FinishedMinuteResource> FinishedPerMinute,
    IReadOnlyDictionary<string, long> QueueDepth, FinishedResource Finished, double? FailureRate, IReadOnlyList<RunTimeResource> RunTimeByType);

public sealed record FinishedMinuteResource(DateTimeOffset Minute, long Succeeded, long Failed, long Cancelled);

public sealed record FinishedResource(long Succeeded, long Failed, long Cancelled);

public sealed record RunTimeResource(string Type, long Count, double P50Seconds, double P95Seconds);
