using Conveyor.Application.Schedules;
using Microsoft.Extensions.Logging.Abstractions;

namespace Conveyor.Application.Tests;

/// <summary>The leader's periodic enqueuer on a real SQLite store and a clock the test moves.</summary>
public sealed class PeriodicEnqueuerTests : IAsyncLifetime
{
    private ServicesOnSqlite _services = null!;

    public async Task InitializeAsync() => _services = await ServicesOnSqlite.StartAsync();

    public async Task DisposeAsync() => await _services.DisposeAsync();

    private ScheduleSet Set(string cron, string metadata = """{"note":"hourly"}""")
    {
        var (schedules, problems) = ScheduleOptions.Resolve(new Dictionary<string, ScheduleOptions>
        {
            ["hourly"] = new() { Cron = cron, Job = new ScheduleJobOptions { Type = "noop", Priority = 3, Metadata = metadata } },
        }, _services.Handlers.IsKnown);
        Assert.Empty(problems);
        return new ScheduleSet(schedules);
    }

    private PeriodicEnqueuer Enqueuer(ScheduleSet set) =>
        new(set, _services.ScheduleRuns, _services.Jobs, _services.Clock, NullLogger<PeriodicEnqueuer>.Instance);

    [Fact]
    public async Task A_schedule_starts_from_when_it_is_first_seen_and_enqueues_one_job_per_tick_with_its_template()
    {
        var enqueuer = Enqueuer(Set("0 * * * *"));
        await enqueuer.RunOnceAsync(CancellationToken.None);
        Assert.Empty(await _services.AllJobsAsync());

        _services.Clock.Advance(TimeSpan.FromMinutes(59));
        await enqueuer.RunOnceAsync(CancellationToken.None);
        Assert.Empty(await _services.AllJobsAsync());

        _services.Clock.Advance(TimeSpan.FromMinutes(1)); // 10:00, the first tick after 09:00
        await enqueuer.RunOnceAsync(CancellationToken.None);
        await enqueuer.RunOnceAsync(CancellationToken.None);
        var job = Assert.Single(await _services.AllJobsAsync());
        Assert.Equal(("noop", 3, "hourly", "schedule:hourly"), (job.Type, job.Priority, job.Metadata.GetProperty("note").GetString(), job.CreatedBy));
        var run = Assert.Single(await _services.ScheduleRuns.ListScheduleRunsAsync(CancellationToken.None));
        Assert.Equal((new DateTimeOffset(2026, 1, 5, 10, 0, 0, TimeSpan.Zero), job.Id), (run.LastTick, run.LastJobId!.Value));
    }

    [Fact]
    public async Task Two_leaders_that_overlap_enqueue_each_tick_once()
    {
        var set = Set("*/5 * * * *");
        var first = Enqueuer(set);
        var second = Enqueuer(set);
        await first.RunOnceAsync(CancellationToken.None);
        _services.Clock.Advance(TimeSpan.FromMinutes(15));

        // The second leader read the run before the first recorded its ticks: it tries the same ticks again.
        await Task.WhenAll(first.RunOnceAsync(CancellationToken.None), second.RunOnceAsync(CancellationToken.None));
        await second.RunOnceAsync(CancellationToken.None);

        var jobs = await _services.AllJobsAsync();
        Assert.Equal(["schedule:hourly:1767603900000", "schedule:hourly:1767604200000", "schedule:hourly:1767604500000"],
            jobs.Select(j => j.IdempotencyKey!).Order());
        var run = Assert.Single(await _services.ScheduleRuns.ListScheduleRunsAsync(CancellationToken.None));
        Assert.Equal(new DateTimeOffset(2026, 1, 5, 9, 15, 0, TimeSpan.Zero), run.LastTick);
    }

    [Fact]
    public async Task After_a_long_outage_only_the_newest_missed_ticks_are_enqueued()
    {
        var enqueuer = Enqueuer(Set("* * * * *"));
        await enqueuer.RunOnceAsync(CancellationToken.None);
        _services.Clock.Advance(TimeSpan.FromHours(2));
        await enqueuer.RunOnceAsync(CancellationToken.None);
        Assert.Equal(PeriodicEnqueuer.MaxCatchUp, (await _services.AllJobsAsync()).Count);
        var run = Assert.Single(await _services.ScheduleRuns.ListScheduleRunsAsync(CancellationToken.None));
        Assert.Equal(_services.Clock.GetUtcNow(), run.LastTick);
    }

    [Fact]
    public void A_bad_schedule_names_its_key()
    {
        var (_, problems) = ScheduleOptions.Resolve(new Dictionary<string, ScheduleOptions>
        {
            ["nightly"] = new() { Cron = "61 * * * *", Job = new ScheduleJobOptions { Type = "noop" } },
            ["broken"] = new() { Cron = "0 * * * *", Job = new ScheduleJobOptions { Type = "nosuch", Metadata = "[1]" } },
        }, _services.Handlers.IsKnown);
        Assert.Contains(problems, p => p.StartsWith("Conveyor:Schedules:nightly:Cron", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Conveyor:Schedules:broken:Job:Metadata", StringComparison.Ordinal));
    }
}
