using Conveyor.Workers.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Conveyor.Workers.Tests;

public sealed class LeaseKeeperTests : IDisposable
{
    private readonly TestClock _clock = new();
    private readonly InMemoryJobQueue _queue;
    private readonly WakeSignal _wake;
    private readonly HeldJobs _held;
    private readonly LeaseKeeper _keeper;

    public LeaseKeeperTests()
    {
        _queue = new InMemoryJobQueue(_clock);
        _wake = new WakeSignal(_clock);
        _held = new HeldJobs(_wake);
        _keeper = new LeaseKeeper(_queue, _held, Settings.Workers(), Settings.Owner, _clock, NullLogger.Instance);
    }

    public void Dispose() => _wake.Dispose();

    private async Task<IReadOnlyList<Guid>> ClaimAsync(int count)
    {
        _queue.Enqueue(AJob.Many(count));
        var jobs = await _queue.ClaimAsync(Settings.Owner, count, TimeSpan.FromSeconds(30), CancellationToken.None);
        _held.Add(jobs);
        return [.. jobs.Select(j => j.Id)];
    }

    [Fact]
    public async Task A_heartbeat_extends_every_held_lease_waiting_running_or_completing_in_one_call()
    {
        var ids = await ClaimAsync(3);
        await _held.TakeAsync(CancellationToken.None);
        var completing = (await _held.TakeAsync(CancellationToken.None))!;
        _held.Finish(completing, hasOutcome: true);
        _clock.Advance(TimeSpan.FromSeconds(5));

        await _keeper.BeatAsync(CancellationToken.None);

        var beat = Assert.Single(_queue.Heartbeats);
        Assert.Equal(ids.ToHashSet(), beat.Ids.ToHashSet());
        Assert.Equal((Settings.Owner, TimeSpan.FromSeconds(30)), (beat.Owner, beat.Lease));
        Assert.All(ids, id => Assert.Equal(AJob.Epoch + TimeSpan.FromSeconds(35), _queue.LeaseExpiry(id)));
    }

    [Fact]
    public async Task With_nothing_held_no_heartbeat_is_sent()
    {
        await _keeper.BeatAsync(CancellationToken.None);
        Assert.Empty(_queue.Heartbeats);
    }

    [Fact]
    public async Task A_cancel_the_heartbeat_brings_back_stops_the_running_handler_and_marks_the_waiting_job()
    {
        var ids = await ClaimAsync(3);
        var running = (await _held.TakeAsync(CancellationToken.None))!;
        _queue.RequestCancel(ids[0]);
        _queue.RequestCancel(ids[1]);

        await _keeper.BeatAsync(CancellationToken.None);

        Assert.Equal(StopReason.CancelRequested, running.StopReason);
        Assert.True(running.Cancellation.IsCancellationRequested);
        var waiting = (await _held.TakeAsync(CancellationToken.None))!;
        Assert.Equal((ids[1], StopReason.CancelRequested), (waiting.Job.Id, waiting.StopReason));
        var untouched = (await _held.TakeAsync(CancellationToken.None))!;
        Assert.Equal((ids[2], StopReason.None), (untouched.Job.Id, untouched.StopReason));
    }

    [Fact]
    public async Task It_beats_once_every_heartbeat_interval_of_the_clock()
    {
        await ClaimAsync(1);
        using var stop = new CancellationTokenSource();
        var run = _keeper.RunAsync(stop.Token);
        await _clock.WaitForTimersAsync(1, "the heartbeat timer");

        _clock.Advance(TimeSpan.FromSeconds(4.9));
        Assert.Empty(_queue.Heartbeats);
        _clock.Advance(TimeSpan.FromSeconds(0.1));
        await Until.TrueAsync(() => _queue.Heartbeats.Count == 1, "the first heartbeat");
        _clock.Advance(TimeSpan.FromSeconds(5));
        await Until.TrueAsync(() => _queue.Heartbeats.Count == 2, "the second heartbeat");

        Assert.Equal([AJob.Epoch + TimeSpan.FromSeconds(5), AJob.Epoch + TimeSpan.FromSeconds(10)], _queue.Heartbeats.Select(h => h.At));
        await stop.CancelAsync();
        await run;
    }
}
