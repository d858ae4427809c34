using Conveyor.Storage;
using Conveyor.Core;
using Conveyor.Workers.Tests.Infrastructure;

namespace Conveyor.Workers.Tests;

public sealed class HeldJobsTests : IDisposable
{
    private readonly TestClock _clock = new();
    private readonly WakeSignal _wake;
    private readonly HeldJobs _held;

    public HeldJobsTests()
    {
        _wake = new WakeSignal(_clock);
        _held = new HeldJobs(_wake);
    }

    public void Dispose() => _wake.Dispose();

    [Fact]
    public async Task A_claimed_job_waits_until_a_worker_takes_it_then_runs_and_stays_leased_until_its_outcome_is_written()
    {
        var (first, second) = (AJob.Running(), AJob.Running());
        _held.Add([first, second]);
        Assert.Equal((2, 0, 2), (_held.BufferedCount, _held.RunningCount, _held.Count));

        var execution = await _held.TakeAsync(CancellationToken.None);
        Assert.Equal(first.Id, execution!.Job.Id);
        Assert.Equal((1, 1), (_held.BufferedCount, _held.RunningCount));
        Assert.Equal([first.Id], _held.Running().Select(e => e.Job.Id));

        _held.Finish(execution, hasOutcome: true);
        Assert.Equal((1, 0), (_held.BufferedCount, _held.RunningCount));
        Assert.Equal(new HashSet<Guid> { first.Id, second.Id }, _held.LeasedIds().ToHashSet());
        Assert.Equal([second.Id], _held.Unfinished());

        _held.Forget([new Completion(first.Id, JobOperation.Succeed, TransitionInput.None)]);
        Assert.Equal([second.Id], _held.LeasedIds());
    }

    [Fact]
    public async Task A_job_stopped_without_an_outcome_or_abandoned_by_a_closed_completer_is_handed_back_and_not_forgotten()
    {
        var (stopped, abandoned) = (AJob.Running(), AJob.Running());
        _held.Add([stopped, abandoned]);
        var stoppedRun = (await _held.TakeAsync(CancellationToken.None))!;
        var abandonedRun = (await _held.TakeAsync(CancellationToken.None))!;

        _held.Finish(stoppedRun, hasOutcome: false);
        _held.Finish(abandonedRun, hasOutcome: true);
        _held.Abandon(abandoned.Id);
        _held.Forget([new Completion(stopped.Id, JobOperation.Succeed, TransitionInput.None),
            new Completion(abandoned.Id, JobOperation.Succeed, TransitionInput.None)]);

        Assert.Equal(new HashSet<Guid> { stopped.Id, abandoned.Id }, _held.Unfinished().ToHashSet());
        Assert.Equal(2, _held.Count);
        Assert.Equal(0, _held.RunningCount);
    }

    [Fact]
    public async Task A_job_claimed_again_while_its_lost_attempt_still_runs_stops_the_old_handler_and_runs_the_new_attempt_once()
    {
        var job = AJob.Running(attempt: 1);
        _held.Add([job]);
        var old = (await _held.TakeAsync(CancellationToken.None))!;

        // The old attempt's lease ran out, the job was rescued, and this process claimed it again.
        var again = job with { Attempt = 2 };
        _held.Add([again]);

        Assert.Equal(StopReason.LeaseLost, old.StopReason);
        Assert.True(old.Cancellation.IsCancellationRequested);
        Assert.Equal((1, 1, 1), (_held.BufferedCount, _held.RunningCount, _held.Count));
        var current = (await _held.TakeAsync(CancellationToken.None))!;
        Assert.Equal(2, current.Job.Attempt);
        Assert.Equal(2, _held.RunningCount);

        // The old handler ends with no outcome: that frees its worker and leaves the new attempt running and leased.
        _held.Finish(old, hasOutcome: false);
        Assert.Equal((0, 1), (_held.BufferedCount, _held.RunningCount));
        Assert.Equal([current], _held.Running());
        Assert.Equal([job.Id], _held.LeasedIds());

        // An outcome of the old attempt that was already on its way does not release the new one.
        _held.Finish(current, hasOutcome: true);
        _held.Forget([new Completion(job.Id, JobOperation.AcknowledgeCancel, TransitionInput.None) { Attempt = 1 }]);
        Assert.Equal([job.Id], _held.LeasedIds());
        _held.Forget([new Completion(job.Id, JobOperation.Succeed, TransitionInput.None) { Attempt = 2 }]);
        Assert.Empty(_held.LeasedIds());
    }

    [Fact]
    public async Task Two_jobs_claimed_again_in_one_claim_while_both_lost_attempts_run_stop_both_old_handlers()
    {
        var (first, second) = (AJob.Running(attempt: 1), AJob.Running(attempt: 1));
        _held.Add([first, second]);
        var old = new[] { (await _held.TakeAsync(CancellationToken.None))!, (await _held.TakeAsync(CancellationToken.None))! };

        _held.Add([first with { Attempt = 2 }, second with { Attempt = 2 }]);

        Assert.All(old, e => Assert.Equal(StopReason.LeaseLost, e.StopReason));
        Assert.Equal((2, 2), (_held.BufferedCount, _held.RunningCount));
    }

    [Fact]
    public async Task Abandoning_a_job_that_only_waits_here_changes_nothing_and_a_worker_still_starts_it()
    {
        var job = AJob.Running();
        _held.Add([job]);

        _held.Abandon(job.Id);

        using var deadline = new CancellationTokenSource(Until.Deadline);
        Assert.Same(job, (await _held.TakeAsync(deadline.Token))!.Job);
        Assert.Equal((0, 1), (_held.BufferedCount, _held.RunningCount));
    }

    [Fact]
    public async Task A_job_claimed_again_before_a_worker_took_its_lost_attempt_is_started_once_as_the_new_attempt()
    {
        var job = AJob.Running(attempt: 1);
        _held.Add([job]);
        _held.Add([job with { Attempt = 2 }]);
        Assert.Equal((1, 1), (_held.BufferedCount, _held.Count));

        var taken = (await _held.TakeAsync(CancellationToken.None))!;

        Assert.Equal((2, StopReason.None), (taken.Job.Attempt, taken.StopReason));
        Assert.Equal((0, 1), (_held.BufferedCount, _held.RunningCount));
        var next = AJob.Running();
        _held.Add([next]);
        Assert.Same(next, (await _held.TakeAsync(CancellationToken.None))!.Job);
    }

    [Fact]
    public async Task A_cancel_requested_while_a_job_waits_makes_it_start_already_stopped()
    {
        var job = AJob.Running();
        _held.Add([job]);

        Assert.False(_held.RequestCancel(job.Id));
        var execution = await _held.TakeAsync(CancellationToken.None);

        Assert.True(execution!.Cancellation.IsCancellationRequested);
        Assert.Equal(StopReason.CancelRequested, execution.StopReason);
    }

    [Fact]
    public async Task A_stop_for_an_attempt_no_longer_held_leaves_the_newer_attempt_claimed_since_running()
    {
        // The heartbeat covered attempt 1; before its answer came, the job was rescued and claimed here again (attempt 2).
        var job = AJob.Running();
        _held.Add([job]);
        var covered = _held.LeasedAttempts()[job.Id];
        _held.Add([job with { Attempt = job.Attempt + 1 }]);

        Assert.False(_held.RequestCancel(job.Id, covered));
        var execution = await _held.TakeAsync(CancellationToken.None);

        Assert.Equal(job.Attempt + 1, execution!.Job.Attempt);
        Assert.False(execution.Cancellation.IsCancellationRequested);
        Assert.Equal(StopReason.None, execution.StopReason);
        // The attempt it does hold is stopped as before.
        Assert.True(_held.RequestCancel(job.Id, job.Attempt + 1));
        Assert.Equal(StopReason.CancelRequested, execution.StopReason);
    }

    [Fact]
    public async Task A_cancel_of_a_running_job_cancels_its_token_once_and_the_first_reason_wins()
    {
        var job = AJob.Running();
        _held.Add([job]);
        var execution = await _held.TakeAsync(CancellationToken.None);
        Assert.False(execution!.Cancellation.IsCancellationRequested);

        Assert.True(_held.RequestCancel(job.Id));
        Assert.False(_held.RequestCancel(job.Id));
        execution.Stop(StopReason.Shutdown);

        Assert.True(execution.Cancellation.IsCancellationRequested);
        Assert.Equal(StopReason.CancelRequested, execution.StopReason);
    }

    [Fact]
    public async Task A_cancel_of_a_job_whose_outcome_is_on_its_way_or_of_an_unknown_job_changes_nothing()
    {
        var job = AJob.Running();
        _held.Add([job]);
        var execution = await _held.TakeAsync(CancellationToken.None);
        _held.Finish(execution!, hasOutcome: true);

        Assert.False(_held.RequestCancel(job.Id));
        Assert.False(_held.RequestCancel(Guid.NewGuid()));
        Assert.Equal(StopReason.None, execution!.StopReason);
        Assert.Empty(_held.Unfinished());
    }

    [Fact]
    public async Task A_worker_that_starts_waiting_on_an_empty_buffer_rings_the_claim_loop()
    {
        Assert.False(await _wake.WaitAsync(TimeSpan.Zero, CancellationToken.None));
        using var stop = new CancellationTokenSource();
        var take = _held.TakeAsync(stop.Token).AsTask();

        Assert.True(await _wake.WaitAsync(TimeSpan.Zero, CancellationToken.None));
        await Until.TrueAsync(() => _held.WaitingWorkers == 1, "the worker to wait");
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => take);
        Assert.Equal(0, _held.WaitingWorkers);
    }

    [Fact]
    public async Task A_worker_that_takes_a_job_while_others_wait_here_does_not_ring_the_claim_loop()
    {
        _held.Add([AJob.Running(), AJob.Running()]);
        await _held.TakeAsync(CancellationToken.None);
        Assert.False(await _wake.WaitAsync(TimeSpan.Zero, CancellationToken.None));
    }

    [Fact]
    public async Task A_job_taken_off_the_queue_as_shutdown_stops_taking_stays_waiting_and_is_handed_back()
    {
        var job = AJob.Running();
        _held.Add([job]);
        using var stop = new CancellationTokenSource();
        await stop.CancelAsync();

        try
        {
            Assert.Null(await _held.TakeAsync(stop.Token));
        }
        catch (OperationCanceledException)
        {
            // Either way the slot takes nothing.
        }

        Assert.Equal([job.Id], _held.Unfinished());
        Assert.Equal((1, 0), (_held.BufferedCount, _held.RunningCount));
    }
}
