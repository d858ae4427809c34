using Conveyor.Core;

namespace Conveyor.Storage.Tests;

public abstract partial class JobStoreContract
{
    [Fact]
    public async Task Stats_count_ended_jobs_per_minute_the_depth_by_status_and_run_time_percentiles_by_type()
    {
        var ended = new List<(DateTimeOffset At, string Status)>();
        // noop jobs that run 1, 2, … 10 seconds; the last one fails.
        for (var seconds = 1; seconds <= 10; seconds++)
        {
            Clock.Advance(TimeSpan.FromSeconds(7));
            var job = await CreateAsync(ANewJob.Noop().WithMaxAttempts(1));
            await ClaimOnlyAsync(job.Id);
            Clock.Advance(TimeSpan.FromSeconds(seconds));
            if (seconds < 10) await CompleteAsync(job.Id, JobOperation.Succeed);
            else await CompleteAsync(job.Id, JobOperation.Fail, new TransitionInput { Error = "no", ErrorRef = "r" });
            ended.Add((Now, seconds < 10 ? "succeeded" : "failed"));
        }
        var csv = await CreateAsync(ANewJob.OfType("csv"));
        await ClaimOnlyAsync(csv.Id);
        Clock.Advance(TimeSpan.FromMilliseconds(1500));
        await CompleteAsync(csv.Id, JobOperation.Succeed);
        ended.Add((Now, "succeeded"));
        var cancelled = await CreateAsync(ANewJob.Noop());
        await Store.ApplyAsync(cancelled.Id, JobOperation.Cancel, Audit(), Ct);
        ended.Add((Now, "cancelled"));
        var running = await CreateAsync(ANewJob.Noop());
        await ClaimOnlyAsync(running.Id);
        await CreateAsync(ANewJob.Noop().ScheduledAt(Now.AddHours(1)));
        await CreateAsync(ANewJob.Noop());
        Clock.Advance(TimeSpan.FromMinutes(3));

        var stats = await ((IJobStats)Store).ReadStatsAsync(StoreHarness.Epoch, Now, Ct);

        var expected = ended.GroupBy(e => new DateTimeOffset(e.At.Ticks - e.At.Ticks % TimeSpan.TicksPerMinute, TimeSpan.Zero))
            .Select(g => new FinishedMinute(g.Key, g.Count(e => e.Status == "succeeded"), g.Count(e => e.Status == "failed"),
                g.Count(e => e.Status == "cancelled")))
            .OrderBy(m => m.Minute).ToList();
        Assert.True(expected.Count >= 2, "the jobs end in more than one minute");
        Assert.Equal(expected, stats.Finished);
        Assert.Equal(new Dictionary<JobStatus, long>
        {
            [JobStatus.Succeeded] = 10, [JobStatus.Failed] = 1, [JobStatus.Cancelled] = 1, [JobStatus.Running] = 1, [JobStatus.Queued] = 2,
        }, stats.Depth);
        Assert.Equal(["csv", "noop"], stats.RunTimes.Select(r => r.Type));
        var noop = stats.RunTimes[1];
        Assert.Equal(10, noop.Count);
        Assert.Equal(5.5, noop.P50Seconds, 6);
        Assert.Equal(9.55, noop.P95Seconds, 6);
        Assert.Equal((1L, 1.5, 1.5), (stats.RunTimes[0].Count, stats.RunTimes[0].P50Seconds, stats.RunTimes[0].P95Seconds));

        // A window that ends before the last jobs ended leaves them out.
        var early = await ((IJobStats)Store).ReadStatsAsync(StoreHarness.Epoch, ended[5].At, Ct);
        Assert.Equal(5, early.Finished.Sum(m => m.Succeeded));
        Assert.Equal(5, early.RunTimes.Single().Count);
    }
}
