using Conveyor.Core;
using Conveyor.Storage;

namespace Conveyor.Application;

/// <summary>
/// The charts' numbers: jobs finished per minute over the last 24 hours (every minute, zeros included), the queue's depth
/// by status now, the failure rate of the window and run time percentiles by type.
/// </summary>
public sealed class StatsService(IJobStats stats, TimeProvider time)
{
    public static readonly TimeSpan Window = TimeSpan.FromHours(24);

    public async Task<StatsResult> GetAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        // Whole minutes: the window ends after the current minute, so the last bucket fills as jobs end.
        var to = new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerMinute, TimeSpan.Zero).AddMinutes(1);
        var from = to - Window;
        var read = await stats.ReadStatsAsync(from, to, ct);
        var byMinute = read.Finished.ToDictionary(f => f.Minute);
        var minutes = new List<FinishedMinute>((int)Window.TotalMinutes);
        for (var minute = from; minute < to; minute = minute.AddMinutes(1))
            minutes.Add(byMinute.GetValueOrDefault(minute) ?? new FinishedMinute(minute, 0, 0, 0));
        var succeeded = read.Finished.Sum(f => f.Succeeded);
        var failed = read.Finished.Sum(f => f.Failed);
        var cancelled = read.Finished.Sum(f => f.Cancelled);
        var depth = Enum.GetValues<JobStatus>().ToDictionary(s => s, s => read.Depth.GetValueOrDefault(s));
        return new StatsResult(from, to, minutes, depth, succeeded, failed, cancelled,
            succeeded + failed == 0 ? null : (double)failed / (succeeded + failed), read.RunTimes);
    }
}

/// <summary>
/// The charts' numbers for [<see cref="From"/>, <see cref="To"/>): <see cref="FailureRate"/> is failed / (succeeded +
/// failed), null when none ended (a cancel is an operator's choice, not a failure).
/// </summary>
public sealed record StatsResult(DateTimeOffset From, DateTimeOffset To, IReadOnlyList<FinishedMinute> FinishedPerMinute,
    IReadOnlyDictionary<JobStatus, long> Depth, long Succeeded, long Failed, long Cancelled, double? FailureRate,
    IReadOnlyList<RunTimeByType> RunTimes);
