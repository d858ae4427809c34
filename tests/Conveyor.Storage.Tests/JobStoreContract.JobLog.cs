namespace Conveyor.Storage.Tests;

public abstract partial class JobStoreContract
{
    private IJobLog JobLog => (IJobLog)Store;

    private JobLogLine Line(Guid job, string message, int attempt = 1, long skipped = 0) => new(job, Now, attempt, "information", message, SkippedBefore: skipped);

    [Fact]
    public async Task A_jobs_log_numbers_lines_across_flushes_keeps_the_newest_and_skips_unknown_jobs()
    {
        var a = await CreateAsync(ANewJob.Noop());
        var b = await CreateAsync(ANewJob.Noop());
        await JobLog.AppendLogAsync([Line(a.Id, "a1"), Line(b.Id, "b1"), Line(a.Id, "a2"), Line(Guid.NewGuid(), "nobody")], 4, Ct);
        Clock.Advance(TimeSpan.FromSeconds(1));
        await JobLog.AppendLogAsync([Line(a.Id, "a3", 2), Line(a.Id, "a4", 2), Line(a.Id, "a5", 2)], 4, Ct);

        var linesA = await JobLog.ReadLogAsync(a.Id, 0, Ct);
        Assert.Equal([(2L, "a2", 1), (3L, "a3", 2), (4L, "a4", 2), (5L, "a5", 2)], linesA!.Select(l => (l.Seq, l.Message, l.Attempt)));
        Assert.Equal([(1L, "b1")], (await JobLog.ReadLogAsync(b.Id, 0, Ct))!.Select(l => (l.Seq, l.Message)));
        Assert.Equal(["a4", "a5"], (await JobLog.ReadLogAsync(a.Id, 3, Ct))!.Select(l => l.Message));
        Assert.Equal(StoreHarness.Epoch.AddSeconds(1), linesA![^1].At);
        Assert.Null(await JobLog.ReadLogAsync(Guid.NewGuid(), 0, Ct));
    }

    [Fact]
    public async Task Lines_dropped_on_the_way_leave_a_gap_in_the_numbers_and_a_batch_over_the_bound_keeps_its_newest()
    {
        var job = await CreateAsync(ANewJob.Noop());

        await JobLog.AppendLogAsync([Line(job.Id, "first"), Line(job.Id, "after 5 dropped", skipped: 5)], 10, Ct);
        await JobLog.AppendLogAsync(Enumerable.Range(1, 6).Select(i => Line(job.Id, $"burst {i}")).ToList(), 3, Ct);

        var lines = await JobLog.ReadLogAsync(job.Id, 0, Ct);
        Assert.Equal([(11L, "burst 4"), (12L, "burst 5"), (13L, "burst 6")], lines!.Select(l => (l.Seq, l.Message)));
        var fresh = await CreateAsync(ANewJob.Noop());
        await JobLog.AppendLogAsync([Line(fresh.Id, "one"), Line(fresh.Id, "two", skipped: 5)], 10, Ct);
        Assert.Equal([1L, 7L], (await JobLog.ReadLogAsync(fresh.Id, 0, Ct))!.Select(l => l.Seq));
    }
}
