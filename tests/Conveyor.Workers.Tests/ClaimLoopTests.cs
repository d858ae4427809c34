using Conveyor.Workers.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Conveyor.Workers.Tests;

public sealed class ClaimLoopTests : IDisposable
{
    private readonly TestClock _clock = new();
    private readonly InMemoryJobQueue _queue;
    private readonly WakeSignal _wake;
    private readonly HeldJobs _held;
    private readonly CancellationTokenSource _stop = new();

    public ClaimLoopTests()
    {
        _queue = new InMemoryJobQueue(_clock);
        _wake = new WakeSignal(_clock);
        _held = new HeldJobs(_wake);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
        _wake.Dispose();
    }

    private (ClaimLoop Loop, PrefetchPolicy Prefetch) Loop(WorkerOptions? options = null)
    {
        options ??= Settings.Workers();
        var prefetch = new PrefetchPolicy(options);
        return (new ClaimLoop(_queue, _held, prefetch, _wake, options, Settings.Owner, _clock, NullLogger.Instance), prefetch);
    }

    [Fact]
    public async Task With_nothing_held_and_no_job_finished_yet_it_claims_one_job_per_worker_for_the_lease()
    {
        var jobs = _queue.Enqueue(AJob.Many(10));
        var (loop, _) = Loop(Settings.Workers(count: 4));

        Assert.True(await loop.ClaimOnceAsync(CancellationToken.None));

        var claim = Assert.Single(_queue.Claims);
        Assert.Equal((Settings.Owner, 4, TimeSpan.FromSeconds(30)), (claim.Owner, claim.Max, claim.Lease));
        Assert.Equal(jobs.Take(4).Select(j => j.Id), claim.Claimed);
        Assert.Equal(4, _held.BufferedCount);
    }

    [Fact]
    public async Task A_claim_that_comes_back_short_says_there_is_no_more_work_for_now()
    {
        _queue.Enqueue(AJob.Many(2));
        var (loop, _) = Loop(Settings.Workers(count: 4));

        Assert.False(await loop.ClaimOnceAsync(CancellationToken.None));
        Assert.Equal(2, _held.BufferedCount);
    }

    [Fact]
    public async Task While_more_than_half_the_places_are_taken_and_no_worker_waits_it_does_not_claim()
    {
        _queue.Enqueue(AJob.Many(10));
        _held.Add([AJob.Running(), AJob.Running(), AJob.Running()]);
        var (loop, _) = Loop(Settings.Workers(count: 4));

        Assert.False(await loop.ClaimOnceAsync(CancellationToken.None));
        Assert.Empty(_queue.Claims);
    }

    [Fact]
    public async Task While_workers_run_more_than_half_the_places_and_none_waits_it_waits_to_claim_a_larger_batch()
    {
        _queue.Enqueue(AJob.Many(10));
        _held.Add([AJob.Running(), AJob.Running(), AJob.Running()]);
        for (var i = 0; i < 3; i++) await _held.TakeAsync(CancellationToken.None);
        var (loop, _) = Loop(Settings.Workers(count: 4));

        Assert.Equal((3, 0, 0), (_held.RunningCount, _held.BufferedCount, _held.WaitingWorkers));
        Assert.False(await loop.ClaimOnceAsync(CancellationToken.None));
        Assert.Empty(_queue.Claims);
    }

    [Fact]
    public async Task At_exactly_half_the_places_free_it_claims_them()
    {
        _queue.Enqueue(AJob.Many(10));
        _held.Add([AJob.Running(), AJob.Running()]);
        var (loop, _) = Loop(Settings.Workers(count: 4));

        Assert.True(await loop.ClaimOnceAsync(CancellationToken.None));
        Assert.Equal(2, Assert.Single(_queue.Claims).Max);
    }

    [Fact]
    public async Task A_worker_waiting_with_nothing_buffered_makes_it_claim_even_a_single_free_place()
    {
        _queue.Enqueue(AJob.Many(10));
        _held.Add([AJob.Running(), AJob.Running(), AJob.Running()]);
        for (var i = 0; i < 3; i++) await _held.TakeAsync(CancellationToken.None);
        var waiting = _held.TakeAsync(_stop.Token).AsTask();
        await Until.TrueAsync(() => _held.WaitingWorkers == 1, "a worker to wait");
        var (loop, _) = Loop(Settings.Workers(count: 4));

        Assert.True(await loop.ClaimOnceAsync(CancellationToken.None));

        Assert.Equal(1, Assert.Single(_queue.Claims).Max);
        Assert.Equal(_queue.Claims[0].Claimed[0], (await waiting)!.Job.Id);
    }

    [Fact]
    public async Task When_every_place_is_taken_it_does_not_claim_even_for_a_waiting_worker()
    {
        _queue.Enqueue(AJob.Many(10));
        _held.Add([AJob.Running(), AJob.Running()]);
        await _held.TakeAsync(CancellationToken.None);
        await _held.TakeAsync(CancellationToken.None);
        var (loop, _) = Loop(Settings.Workers(count: 2, prefetch: 0));
        var waiting = _held.TakeAsync(_stop.Token).AsTask();
        await Until.TrueAsync(() => _held.WaitingWorkers == 1, "a worker to wait");

        Assert.False(await loop.ClaimOnceAsync(CancellationToken.None));
        Assert.Empty(_queue.Claims);
    }

    [Fact]
    public async Task Once_jobs_finish_quickly_it_claims_the_prefetch_beyond_the_workers_up_to_its_ceiling()
    {
        _queue.Enqueue(AJob.Many(100));
        var (loop, prefetch) = Loop(Settings.Workers(count: 2, prefetch: 16));
        prefetch.Record(TimeSpan.FromMilliseconds(1));

        await loop.ClaimOnceAsync(CancellationToken.None);

        // 2 workers × 100 ms window / 1 ms per job = 200 extra, capped at 16.
        Assert.Equal(2 + 16, Assert.Single(_queue.Claims).Max);
    }

    [Fact]
    public async Task A_process_of_few_workers_claims_a_batch_of_hundreds_and_never_holds_more_than_its_bound()
    {
        _queue.Enqueue(AJob.Many(2_000));
        var (loop, prefetch) = Loop(Settings.Workers(count: 8));
        prefetch.Record(TimeSpan.FromMilliseconds(0.1));

        // However often it is asked, with nothing taken it holds the 8 workers' places plus the default ceiling of 256.
        Assert.True(await loop.ClaimOnceAsync(CancellationToken.None));
        for (var i = 0; i < 5; i++) Assert.False(await loop.ClaimOnceAsync(CancellationToken.None));

        Assert.Equal(8 + 256, Assert.Single(_queue.Claims).Max);
        Assert.Equal(8 + 256, _held.Count);
        Assert.Equal(2_000 - 264, _queue.QueuedCount);

        // Slower jobs shrink the bound by time: 8 workers × 100 ms / 10 ms = 80 extra. Holding 264 already, it claims nothing.
        for (var i = 0; i < 400; i++) prefetch.Record(TimeSpan.FromMilliseconds(10));
        Assert.InRange(prefetch.Capacity(), 8 + 79, 8 + 80);
        Assert.False(await loop.ClaimOnceAsync(CancellationToken.None));
        Assert.Single(_queue.Claims);
    }

    [Fact]
    public async Task The_slow_loop_sleeps_until_the_store_signals_new_work_then_claims_it_without_the_clock_moving()
    {
        var (loop, _) = Loop();
        var run = loop.RunAsync(_stop.Token);
        await Until.TrueAsync(() => _queue.Claims.Count == 1, "the first claim");
        await _clock.WaitForTimersAsync(1, "the loop to sleep on its poll");

        var job = _queue.Enqueue(AJob.Queued())[0];

        await Until.TrueAsync(() => _held.BufferedCount == 1, "the signalled job to be claimed");
        Assert.Equal([job.Id], _queue.Claims[1].Claimed);
        Assert.Equal(AJob.Epoch, _clock.GetUtcNow());
        await _stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task Without_a_signal_the_slow_poll_finds_new_work_after_the_poll_interval()
    {
        var (loop, _) = Loop();
        var run = loop.RunAsync(_stop.Token);
        await Until.TrueAsync(() => _queue.Claims.Count == 1, "the first claim");
        await _clock.WaitForTimersAsync(1, "the loop to sleep on its poll");
        var job = AJob.Queued();
        _queue.EnqueueQuietly(job);
        Assert.Single(_queue.Claims);

        _clock.Advance(TimeSpan.FromSeconds(5));

        await Until.TrueAsync(() => _held.BufferedCount == 1, "the poll to claim the job");
        Assert.Equal([job.Id], _queue.Claims[1].Claimed);
        await _stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task After_a_claim_fills_every_place_it_sleeps_instead_of_asking_for_more()
    {
        _queue.Enqueue(AJob.Many(6));
        var (loop, _) = Loop(Settings.Workers(count: 4));
        var run = loop.RunAsync(_stop.Token);

        await Until.TrueAsync(() => _queue.Claims.Count == 1, "the first claim");
        await _clock.WaitForTimersAsync(1, "the loop to sleep");

        // The 4 places are full, so the loop asked again only when a place was free: it did not, it slept.
        Assert.Equal(4, _held.BufferedCount);
        Assert.Single(_queue.Claims);
        await _stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task A_failed_claim_is_retried_after_a_back_off_on_the_clock()
    {
        _queue.FailNextClaims(1);
        var job = _queue.Enqueue(AJob.Queued())[0];
        var (loop, _) = Loop();
        var run = loop.RunAsync(_stop.Token);
        await Until.TrueAsync(() => _queue.Claims.Count == 1, "the failed claim");
        await _clock.WaitForTimersAsync(1, "the back-off");
        Assert.Equal(0, _held.BufferedCount);

        _clock.Advance(TimeSpan.FromMilliseconds(100));

        await Until.TrueAsync(() => _held.BufferedCount == 1, "the retried claim");
        Assert.Equal([job.Id], _queue.Claims[1].Claimed);
        await _stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task A_worker_going_idle_wakes_the_sleeping_loop_to_claim_for_it()
    {
        var (loop, _) = Loop(Settings.Workers(count: 1));
        var run = loop.RunAsync(_stop.Token);
        await Until.TrueAsync(() => _queue.Claims.Count == 1, "the first claim");
        await _clock.WaitForTimersAsync(1, "the loop to sleep");
        var job = AJob.Queued();
        _queue.EnqueueQuietly(job);

        var taken = _held.TakeAsync(_stop.Token).AsTask();

        Assert.Equal(job.Id, (await taken)!.Job.Id);
        await _stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task Repeated_claim_failures_wait_twice_as_long_each_time()
    {
        _queue.FailNextClaims(2);
        var job = _queue.Enqueue(AJob.Queued())[0];
        var (loop, _) = Loop();
        var run = loop.RunAsync(_stop.Token);
        await _clock.WaitForTimersAsync(1, "the first back-off");
        _clock.Advance(TimeSpan.FromMilliseconds(100));
        await _clock.WaitForTimersAsync(2, "the second back-off");
        Assert.Equal(2, _queue.Claims.Count);

        _clock.Advance(TimeSpan.FromMilliseconds(199));
        Assert.Equal(2, _queue.Claims.Count);
        _clock.Advance(TimeSpan.FromMilliseconds(1));

        await Until.TrueAsync(() => _held.BufferedCount == 1, "the third claim");
        Assert.Equal([job.Id], _queue.Claims[2].Claimed);
        await _stop.CancelAsync();
        await run;
    }
}
