using Conveyor.Core;
using Conveyor.Storage;
using Conveyor.Workers.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Conveyor.Workers.Tests;

public sealed class JobExecutorTests : IDisposable
{
    private readonly TestClock _clock = new();
    private readonly InMemoryJobQueue _queue;
    private readonly WakeSignal _wake;
    private readonly HeldJobs _held;
    private readonly JobCompleter _completer;
    private readonly PrefetchPolicy _prefetch;
    private readonly WorkerOptions _options = Settings.Workers(count: 2);

    public JobExecutorTests()
    {
        _queue = new InMemoryJobQueue(_clock);
        _wake = new WakeSignal(_clock);
        _held = new HeldJobs(_wake);
        _completer = new JobCompleter(_queue, _held, Settings.Owner, 100, TimeSpan.Zero, _clock, NullLogger.Instance);
        _prefetch = new PrefetchPolicy(_options);
    }

    public void Dispose() => _wake.Dispose();

    private JobExecutor Executor(params IJobHandler[] handlers) =>
        new(new JobHandlerRegistry(handlers), _held, _completer, _prefetch, _wake, _options, Settings.Owner, _clock, NullLoggerFactory.Instance);

    private async Task<Execution> HoldAndTakeAsync(Job job)
    {
        _held.Add([job]);
        return (await _held.TakeAsync(CancellationToken.None))!;
    }

    /// <summary>Writes whatever the completer was given and returns it.</summary>
    private async Task<IReadOnlyList<Completion>> WrittenAsync()
    {
        _completer.Complete();
        await _completer.RunAsync(CancellationToken.None);
        return _queue.Completions;
    }

    [Fact]
    public async Task A_handler_that_returns_succeeds_the_job_and_gets_the_job_and_its_progress_reporter()
    {
        JobContext? seen = null;
        var handler = new TestHandler("noop", (context, _) => { seen = context; return Task.CompletedTask; });
        var execution = await HoldAndTakeAsync(AJob.Running());

        var completion = await Executor(handler).ExecuteAsync(execution);

        Assert.Equal(new Completion(execution.Job.Id, JobOperation.Succeed, TransitionInput.None) { Attempt = execution.Job.Attempt }, completion);
        Assert.Same(execution.Job, seen!.Job);
        Assert.Same(execution.Progress, seen.Progress);
    }

    [Fact]
    public async Task A_throwing_handler_fails_the_attempt_with_a_safe_message_a_reference_and_a_retry_time_from_the_back_off()
    {
        var handler = TestHandler.Throwing("Could not open /srv/conveyor/secret.csv with Password=hunter2");
        var execution = await HoldAndTakeAsync(AJob.Running("fail", attempt: 1));

        var completion = await Executor(handler).ExecuteAsync(execution);

        Assert.Equal(JobOperation.Fail, completion!.Operation);
        Assert.StartsWith("Could not open", completion.Input.Error);
        Assert.DoesNotContain("/srv/conveyor", completion.Input.Error);
        Assert.DoesNotContain("hunter2", completion.Input.Error);
        Assert.Matches("^[0-9a-f]{16,32}$", completion.Input.ErrorRef);
        // Attempt 1: the base delay (10 s) with ±20% jitter, from the clock's now.
        Assert.InRange(completion.Input.RetryAt!.Value, AJob.Epoch + TimeSpan.FromSeconds(8), AJob.Epoch + TimeSpan.FromSeconds(12));
    }

    [Fact]
    public async Task A_failure_no_retry_can_fix_fails_the_job_at_once_with_its_safe_message_and_no_retry_time()
    {
        var handler = new TestHandler("json", (_, _) => throw JobFailedException.Permanent("Line 3 is not JSON: C:\\data\\in.json"));
        var execution = await HoldAndTakeAsync(AJob.Running("json", attempt: 1));

        var completion = await Executor(handler).ExecuteAsync(execution);

        Assert.Equal((JobOperation.Discard, 1), (completion!.Operation, completion.Attempt));
        Assert.StartsWith("Line 3 is not JSON", completion.Input.Error);
        Assert.Matches("^[0-9a-f]{16,32}$", completion.Input.ErrorRef);
        Assert.Null(completion.Input.RetryAt);
    }

    [Fact]
    public async Task A_failed_attempt_names_itself_so_the_store_applies_it_to_that_attempt_only()
    {
        var execution = await HoldAndTakeAsync(AJob.Running("fail", attempt: 4));

        var completion = await Executor(TestHandler.Throwing("Again.")).ExecuteAsync(execution);

        Assert.Equal((JobOperation.Fail, 4), (completion!.Operation, completion.Attempt));
    }

    [Fact]
    public async Task A_later_attempt_waits_longer_doubling_per_attempt()
    {
        var execution = await HoldAndTakeAsync(AJob.Running("fail", attempt: 3));

        var completion = await Executor(TestHandler.Throwing("Again.")).ExecuteAsync(execution);

        Assert.InRange(completion!.Input.RetryAt!.Value, AJob.Epoch + TimeSpan.FromSeconds(32), AJob.Epoch + TimeSpan.FromSeconds(48));
    }

    [Fact]
    public async Task A_job_of_a_type_without_a_handler_fails_saying_so()
    {
        var execution = await HoldAndTakeAsync(AJob.Running("mystery"));

        var completion = await Executor(TestHandler.Noop()).ExecuteAsync(execution);

        Assert.Equal(JobOperation.Fail, completion!.Operation);
        Assert.Equal("No handler is registered for type 'mystery' on this worker.", completion.Input.Error);
        Assert.NotNull(completion.Input.ErrorRef);
        Assert.NotNull(completion.Input.RetryAt);
    }

    [Fact]
    public async Task A_handler_stopped_by_a_cancel_request_acknowledges_the_cancel()
    {
        var handler = TestHandler.UntilCancelled();
        var execution = await HoldAndTakeAsync(AJob.Running("long"));
        var run = Executor(handler).ExecuteAsync(execution);
        await Until.TrueAsync(() => handler.Started.Count == 1, "the handler to start");

        _held.RequestCancel(execution.Job.Id);

        Assert.Equal(new Completion(execution.Job.Id, JobOperation.AcknowledgeCancel, TransitionInput.None) { Attempt = execution.Job.Attempt }, await run);
    }

    [Fact]
    public async Task A_job_cancelled_before_it_started_never_reaches_its_handler()
    {
        var handler = TestHandler.Noop();
        var job = AJob.Running();
        _held.Add([job]);
        _held.RequestCancel(job.Id);
        var execution = (await _held.TakeAsync(CancellationToken.None))!;

        var completion = await Executor(handler).ExecuteAsync(execution);

        Assert.Equal(JobOperation.AcknowledgeCancel, completion!.Operation);
        Assert.Empty(handler.Started);
    }

    [Fact]
    public async Task A_handler_that_finishes_its_work_despite_a_cancel_request_succeeds()
    {
        var gate = new TaskCompletionSource();
        var handler = new TestHandler("stubborn", (_, _) => gate.Task);
        var execution = await HoldAndTakeAsync(AJob.Running("stubborn"));
        var run = Executor(handler).ExecuteAsync(execution);
        await Until.TrueAsync(() => handler.Started.Count == 1, "the handler to start");

        _held.RequestCancel(execution.Job.Id);
        gate.SetResult();

        Assert.Equal(JobOperation.Succeed, (await run)!.Operation);
    }

    [Fact]
    public async Task A_handler_stopped_by_shutdown_has_no_outcome()
    {
        var handler = TestHandler.UntilCancelled();
        var execution = await HoldAndTakeAsync(AJob.Running("long"));
        var run = Executor(handler).ExecuteAsync(execution);
        await Until.TrueAsync(() => handler.Started.Count == 1, "the handler to start");

        execution.Stop(StopReason.Shutdown);

        Assert.Null(await run);
    }

    [Fact]
    public async Task A_finished_job_goes_to_the_completer_with_its_last_progress_and_stays_leased_until_written()
    {
        var handler = new TestHandler("count", (context, _) =>
        {
            context.Progress.Report(5, 1, 10);
            context.Progress.Report(7, 1, 10);
            return Task.CompletedTask;
        });
        var execution = await HoldAndTakeAsync(AJob.Running("count"));

        await Executor(handler).RunAsync(execution);

        Assert.Equal([execution.Job.Id], _held.LeasedIds());
        Assert.Empty(_held.Unfinished());
        Assert.Equal(0, _held.RunningCount);
        var written = Assert.Single(await WrittenAsync());
        Assert.Equal(new ProgressUpdate(execution.Job.Id, 7, 1, 10), written.Progress);
        Assert.Empty(_held.LeasedIds());
    }

    [Fact]
    public async Task A_finished_job_records_its_duration_for_the_prefetch_and_wakes_the_claim_loop()
    {
        var handler = new TestHandler("slow", (_, _) => { _clock.Advance(TimeSpan.FromMilliseconds(25)); return Task.CompletedTask; });
        var execution = await HoldAndTakeAsync(AJob.Running("slow"));
        Assert.False(await _wake.WaitAsync(TimeSpan.Zero, CancellationToken.None));

        await Executor(handler).RunAsync(execution);

        Assert.Equal(TimeSpan.FromMilliseconds(25), _prefetch.AverageDuration);
        Assert.True(await _wake.WaitAsync(TimeSpan.Zero, CancellationToken.None));
    }

    [Fact]
    public async Task An_outcome_the_closed_completer_refuses_leaves_the_job_to_be_handed_back()
    {
        var execution = await HoldAndTakeAsync(AJob.Running());
        _completer.Complete();

        await Executor(TestHandler.Noop()).RunAsync(execution);

        Assert.Equal([execution.Job.Id], _held.Unfinished());
    }

    [Fact]
    public async Task A_job_stopped_by_shutdown_is_left_to_be_handed_back_and_nothing_is_written()
    {
        var handler = TestHandler.UntilCancelled();
        var execution = await HoldAndTakeAsync(AJob.Running("long"));
        var run = Executor(handler).RunAsync(execution);
        await Until.TrueAsync(() => handler.Started.Count == 1, "the handler to start");

        execution.Stop(StopReason.Shutdown);
        await run;

        Assert.Equal([execution.Job.Id], _held.Unfinished());
        Assert.Empty(await WrittenAsync());
    }

    [Fact]
    public async Task A_slot_runs_held_jobs_one_after_another_until_told_to_stop_taking()
    {
        var handler = TestHandler.Noop();
        var jobs = AJob.Many(3);
        _held.Add(jobs);
        using var stop = new CancellationTokenSource();
        var slot = Executor(handler).RunSlotAsync(stop.Token);

        await Until.TrueAsync(() => handler.Finished.Count == 3, "the three jobs");
        Assert.Equal(jobs.Select(j => j.Id), handler.Started);
        await stop.CancelAsync();
        await slot;
        Assert.Equal(jobs.Select(j => j.Id), (await WrittenAsync()).Select(c => c.Id));
    }
}
