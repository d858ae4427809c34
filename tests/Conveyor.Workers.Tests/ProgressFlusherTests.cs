using Conveyor.Storage;
using Conveyor.Workers.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Conveyor.Workers.Tests;

public sealed class ProgressFlusherTests : IDisposable
{
    private readonly TestClock _clock = new();
    private readonly InMemoryJobQueue _queue;
    private readonly WakeSignal _wake;
    private readonly HeldJobs _held;
    private readonly ProgressFlusher _flusher;

    public ProgressFlusherTests()
    {
        _queue = new InMemoryJobQueue(_clock);
        _wake = new WakeSignal(_clock);
        _held = new HeldJobs(_wake);
        _flusher = new ProgressFlusher(_queue, _held, Settings.Workers(), _clock, NullLogger.Instance);
    }

    public void Dispose() => _wake.Dispose();

    private async Task<Execution[]> RunningAsync(int count)
    {
        _held.Add(AJob.Many(count));
        var executions = new Execution[count];
        for (var i = 0; i < count; i++) executions[i] = (await _held.TakeAsync(CancellationToken.None))!;
        return executions;
    }

    [Fact]
    public async Task A_flush_writes_the_latest_counters_of_each_job_that_reported_since_the_last_flush_in_one_call()
    {
        var (a, b, quiet) = await RunningAsync(3) switch { var e => (e[0], e[1], e[2]) };
        a.Progress.Report(10, 0, 100);
        a.Progress.Report(20, 1, 100);
        b.Progress.Report(3);

        await _flusher.FlushAsync(CancellationToken.None);

        var flush = Assert.Single(_queue.ProgressFlushes);
        Assert.Equal(new HashSet<ProgressUpdate> { new(a.Job.Id, 20, 1, 100), new(b.Job.Id, 3, 0, null) }, flush.ToHashSet());
        Assert.DoesNotContain(flush, u => u.Id == quiet.Job.Id);
    }

    [Fact]
    public async Task Counters_already_flushed_are_not_sent_again()
    {
        var a = (await RunningAsync(1))[0];
        a.Progress.Report(10);
        await _flusher.FlushAsync(CancellationToken.None);

        await _flusher.FlushAsync(CancellationToken.None);
        Assert.Single(_queue.ProgressFlushes);

        a.Progress.Report(11);
        await _flusher.FlushAsync(CancellationToken.None);
        Assert.Equal(new ProgressUpdate(a.Job.Id, 11, 0, null), Assert.Single(_queue.ProgressFlushes[1]));
    }

    [Fact]
    public async Task It_flushes_every_progress_interval_of_the_clock()
    {
        var a = (await RunningAsync(1))[0];
        a.Progress.Report(1);
        using var stop = new CancellationTokenSource();
        var run = _flusher.RunAsync(stop.Token);
        await _clock.WaitForTimersAsync(1, "the flush timer");

        _clock.Advance(TimeSpan.FromSeconds(1));

        await Until.TrueAsync(() => _queue.ProgressFlushes.Count == 1, "the flush");
        await stop.CancelAsync();
        await run;
    }
}
