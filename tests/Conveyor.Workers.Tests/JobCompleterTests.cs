using Conveyor.Core;
using Conveyor.Storage;
using Conveyor.Workers.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Conveyor.Workers.Tests;

public sealed class JobCompleterTests : IDisposable
{
    private readonly TestClock _clock = new();
    private readonly InMemoryJobQueue _queue;
    private readonly WakeSignal _wake;
    private readonly HeldJobs _held;

    public JobCompleterTests()
    {
        _queue = new InMemoryJobQueue(_clock);
        _wake = new WakeSignal(_clock);
        _held = new HeldJobs(_wake);
    }

    public void Dispose() => _wake.Dispose();

    private JobCompleter Completer(int batchSize = 100, int windowMs = 10) =>
        new(_queue, _held, Settings.Owner, batchSize, TimeSpan.FromMilliseconds(windowMs), _clock, NullLogger.Instance);

    /// <summary>Jobs claimed from the queue, run, and finished with an outcome: what the completer gets.</summary>
    private async Task<List<Completion>> FinishedAsync(int count)
    {
        _queue.Enqueue(AJob.Many(count));
        _held.Add(await _queue.ClaimAsync(Settings.Owner, count, TimeSpan.FromSeconds(30), CancellationToken.None));
        var completions = new List<Completion>();
        for (var i = 0; i < count; i++)
        {
            var execution = (await _held.TakeAsync(CancellationToken.None))!;
            _held.Finish(execution, hasOutcome: true);
            completions.Add(new Completion(execution.Job.Id, JobOperation.Succeed, TransitionInput.None));
        }
        return completions;
    }

    [Fact]
    public async Task Outcomes_that_arrive_while_a_write_is_in_flight_go_together_in_the_next_batch()
    {
        var completions = await FinishedAsync(5);
        var completer = Completer();
        _queue.HoldCompletes();
        Assert.True(completer.TryEnqueue(completions[0]));
        var run = completer.RunAsync(CancellationToken.None);
        await Until.TrueAsync(() => _queue.CompletionBatches.Count == 1, "the first write");

        foreach (var completion in completions.Skip(1)) Assert.True(completer.TryEnqueue(completion));
        _queue.OpenCompletes();
        completer.Complete();
        await run;

        Assert.Equal([[completions[0]], completions.Skip(1).ToList()], _queue.CompletionBatches);
        Assert.Empty(_held.LeasedIds());
    }

    [Fact]
    public async Task A_batch_holds_at_most_the_batch_size()
    {
        var completions = await FinishedAsync(5);
        var completer = Completer(batchSize: 2);
        foreach (var completion in completions) completer.TryEnqueue(completion);
        completer.Complete();

        await completer.RunAsync(CancellationToken.None);

        Assert.Equal([2, 2, 1], _queue.CompletionBatches.Select(b => b.Count));
        Assert.Equal(completions, _queue.Completions);
    }

    [Fact]
    public async Task A_failed_write_is_retried_with_the_same_batch_after_a_back_off_and_the_jobs_stay_leased_until_then()
    {
        var completions = await FinishedAsync(2);
        var completer = Completer();
        _queue.FailNextCompletes(1);
        foreach (var completion in completions) completer.TryEnqueue(completion);
        completer.Complete();
        var run = completer.RunAsync(CancellationToken.None);
        await _clock.WaitForTimersAsync(1, "the back-off after the failed write");

        Assert.Empty(_queue.CompletionBatches);
        Assert.Equal(completions.Select(c => c.Id).ToHashSet(), _held.LeasedIds().ToHashSet());

        _clock.Advance(TimeSpan.FromMilliseconds(50));
        await run;

        Assert.Equal([completions], _queue.CompletionBatches);
        Assert.Empty(_held.LeasedIds());
    }

    [Fact]
    public async Task Repeated_failures_wait_twice_as_long_each_time()
    {
        var completions = await FinishedAsync(1);
        var completer = Completer();
        _queue.FailNextCompletes(2);
        completer.TryEnqueue(completions[0]);
        completer.Complete();
        var run = completer.RunAsync(CancellationToken.None);
        await _clock.WaitForTimersAsync(1, "the first back-off");
        _clock.Advance(TimeSpan.FromMilliseconds(50));
        await _clock.WaitForTimersAsync(2, "the second back-off");

        _clock.Advance(TimeSpan.FromMilliseconds(99));
        Assert.False(run.IsCompleted);
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        await run;

        Assert.Equal([completions], _queue.CompletionBatches);
    }

    [Fact]
    public async Task Once_closed_it_takes_no_more_outcomes_and_ends_after_writing_what_it_had()
    {
        var completions = await FinishedAsync(2);
        var completer = Completer();
        completer.TryEnqueue(completions[0]);
        completer.Complete();

        Assert.False(completer.TryEnqueue(completions[1]));
        await completer.RunAsync(CancellationToken.None);
        Assert.Equal([completions[0]], _queue.Completions);
    }

    /// <summary>Outcomes of <paramref name="finished"/> jobs, with <paramref name="stillRunning"/> more jobs of this process still running.</summary>
    private async Task<(List<Completion> Completions, List<Execution> Running)> FinishedWhileOthersRunAsync(int finished, int stillRunning)
    {
        _queue.Enqueue(AJob.Many(finished + stillRunning));
        _held.Add(await _queue.ClaimAsync(Settings.Owner, finished + stillRunning, TimeSpan.FromSeconds(30), CancellationToken.None));
        var executions = new List<Execution>();
        for (var i = 0; i < finished + stillRunning; i++) executions.Add((await _held.TakeAsync(CancellationToken.None))!);
        var completions = new List<Completion>();
        foreach (var execution in executions.Take(finished))
        {
            _held.Finish(execution, hasOutcome: true);
            completions.Add(new Completion(execution.Job.Id, JobOperation.Succeed, TransitionInput.None));
        }
        return (completions, executions.Skip(finished).ToList());
    }

    [Fact]
    public async Task While_other_jobs_still_run_outcomes_of_several_workers_wait_for_the_window_and_go_in_one_batch()
    {
        var (completions, _) = await FinishedWhileOthersRunAsync(finished: 6, stillRunning: 2);
        var completer = Completer(windowMs: 10);
        Assert.True(completer.TryEnqueue(completions[0]));
        _clock.Advance(TimeSpan.FromMilliseconds(4));
        foreach (var completion in completions.Skip(1).Take(3)) Assert.True(completer.TryEnqueue(completion));
        var timers = _clock.TimersCreated;
        var run = completer.RunAsync(CancellationToken.None);
        await _clock.WaitForTimersAsync(timers + 1, "the completer to wait out the window of the oldest outcome");

        // Another worker's outcome joins while the batch waits; 9 ms after the oldest, still nothing is written.
        Assert.True(completer.TryEnqueue(completions[4]));
        await _clock.WaitForTimersAsync(timers + 2, "the completer to wait again for the rest of the window");
        _clock.Advance(TimeSpan.FromMilliseconds(5));
        Assert.Empty(_queue.CompletionBatches);

        // 10 ms after the oldest outcome: one transaction for the five.
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        await Until.TrueAsync(() => _queue.CompletionBatches.Count == 1, "the window's batch");
        Assert.Equal(completions.Take(5).ToList(), _queue.CompletionBatches[0]);

        completer.TryEnqueue(completions[5]);
        completer.Complete();
        await run;
        Assert.Equal([5, 1], _queue.CompletionBatches.Select(b => b.Count));
    }

    [Fact]
    public async Task An_outcome_waiting_for_the_window_goes_at_once_when_the_last_running_job_finishes()
    {
        var (completions, running) = await FinishedWhileOthersRunAsync(finished: 1, stillRunning: 1);
        var completer = Completer(windowMs: 10);
        var timers = _clock.TimersCreated;
        completer.TryEnqueue(completions[0]);
        var run = completer.RunAsync(CancellationToken.None);
        await _clock.WaitForTimersAsync(timers + 1, "the completer to wait for the window");

        // The other job finishes: nothing more is coming, so both go now, with the clock not moved.
        _held.Finish(running[0], hasOutcome: true);
        var last = new Completion(running[0].Job.Id, JobOperation.Succeed, TransitionInput.None);
        completer.TryEnqueue(last);
        await Until.TrueAsync(() => _queue.CompletionBatches.Count == 1, "the batch without the window");

        Assert.Equal([completions[0], last], _queue.CompletionBatches[0]);
        completer.Complete();
        await run;
    }

    [Fact]
    public async Task A_full_batch_goes_without_waiting_for_the_window_even_while_others_run()
    {
        var (completions, _) = await FinishedWhileOthersRunAsync(finished: 3, stillRunning: 1);
        var completer = Completer(batchSize: 3, windowMs: 10);
        foreach (var completion in completions) completer.TryEnqueue(completion);
        var run = completer.RunAsync(CancellationToken.None);

        await Until.TrueAsync(() => _queue.CompletionBatches.Count == 1, "the full batch");
        Assert.Equal(completions, _queue.CompletionBatches[0]);
        completer.Complete();
        await run;
    }

    [Fact]
    public async Task With_no_other_job_held_a_lone_outcome_goes_at_once()
    {
        var completions = await FinishedAsync(1);
        var completer = Completer(windowMs: 1000);
        completer.TryEnqueue(completions[0]);
        var run = completer.RunAsync(CancellationToken.None);

        await Until.TrueAsync(() => _queue.CompletionBatches.Count == 1, "the lone outcome");
        Assert.Equal(0, _clock.TimersCreated);
        completer.Complete();
        await run;
    }
}
