using Conveyor.Core;
using Conveyor.Storage;
using Conveyor.Workers.Maintenance;
using Microsoft.Extensions.Logging;

namespace Conveyor.Application.Schedules;

/// <summary>
/// Enqueues each schedule's job at its ticks; a maintenance service, so only the leader runs it. Every tick's job
/// carries the idempotency key <c>schedule:{name}:{tick}</c>, so a tick is enqueued once across all nodes even when two
/// leaders overlap or one dies between the enqueue and the record of it. A schedule starts from the moment it is first
/// seen; ticks missed while no leader ran (at most <see cref="MaxCatchUp"/>, the newest) are enqueued late.
/// </summary>
public sealed partial class PeriodicEnqueuer(ScheduleSet schedules, IScheduleStore runs, JobService jobs, TimeProvider time,
    ILogger<PeriodicEnqueuer> logger) : IMaintenanceService
{
    /// <summary>The most missed ticks of one schedule enqueued after an outage; older ones are skipped (and logged).</summary>
    public const int MaxCatchUp = 10;

    public string Name => "scheduler";

    public TimeSpan Interval { get; } = TimeSpan.FromMilliseconds(500);

    public async Task RunOnceAsync(CancellationToken ct)
    {
        if (schedules.Schedules.Count == 0) return;
        var now = time.GetUtcNow();
        var known = (await runs.ListScheduleRunsAsync(ct)).ToDictionary(r => r.Name, StringComparer.Ordinal);
        foreach (var schedule in schedules.Schedules)
        {
            if (!known.TryGetValue(schedule.Name, out var run))
            {
                await runs.RecordScheduleRunAsync(new ScheduleRun(schedule.Name, now, null, null), ct);
                continue;
            }
            var due = schedule.DueBetween(run.LastTick, now).ToList();
            if (due.Count > MaxCatchUp)
            {
                Skipped(logger, schedule.Name, due.Count - MaxCatchUp);
                due = due[^MaxCatchUp..];
            }
            foreach (var tick in due) await EnqueueAsync(schedule, tick, ct);
        }
    }

    private async Task EnqueueAsync(Schedule schedule, DateTimeOffset tick, CancellationToken ct)
    {
        var audit = new AuditContext("schedule:" + schedule.Name, "admin", "job.create")
        {
            Details = $$"""{"schedule":"{{schedule.Name}}","tick":"{{tick.UtcDateTime:O}}"}""",
        };
        var outcome = await jobs.CreateAsync(schedule.Request, schedule.KeyOf(tick), audit, ct);
        Guid? jobId = outcome.Value?.Id;
        if (outcome.Kind == OutcomeKind.Created) Enqueued(logger, schedule.Name, tick, jobId!.Value);
        else if (outcome.Kind != OutcomeKind.Unchanged) Refused(logger, schedule.Name, tick, outcome.Kind.ToString());
        await runs.RecordScheduleRunAsync(new ScheduleRun(schedule.Name, tick, jobId, time.GetUtcNow()), ct);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Schedule {Schedule} enqueued job {JobId} for its tick {Tick:O}")]
    private static partial void Enqueued(ILogger logger, string schedule, DateTimeOffset tick, Guid jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Schedule {Schedule} skipped {Count} missed tick(s) beyond the catch-up of the newest")]
    private static partial void Skipped(ILogger logger, string schedule, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Schedule {Schedule}'s job for its tick {Tick:O} was refused ({Outcome})")]
    private static partial void Refused(ILogger logger, string schedule, DateTimeOffset tick, string outcome);
}
