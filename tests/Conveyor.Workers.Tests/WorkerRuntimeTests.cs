using Conveyor.Core;
using Conveyor.Workers.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Conveyor.Workers.Tests;

/// <summary>The services composed: what a process of workers does with a queue, from start to graceful shutdown.</summary>
public sealed class WorkerRuntimeTests
{
    private readonly TestClock _clock = new();
    private readonly InMemoryJobQueue _queue;

    public WorkerRuntimeTests() => _queue = new InMemoryJobQueue(_clock);

    private WorkerRuntime Runtime(WorkerOptions options, params IJobHandler[] handlers) =>
        new(_queue, new JobHandlerRegistry(handlers), Options.Create(options), new WorkerIdentity(Settings.Owner), _clock, NullLoggerFactory.Instance);

    [Fact]
    public async Task Every_queued_job_runs_once_and_its_outcome_is_written_once()
    {
        var handler = TestHandler.Noop();
        var jobs = _queue.Enqueue(AJob.Many(200));
        await using var runtime = Runtime(Settings.Workers(count: 4), handler);

        await runtime.StartAsync(CancellationToken.None);
        await Until.TrueAsync(() => _queue.Completions.Count == 200, "every outcome");
        await runtime.StopAsync(CancellationToken.None);

        Assert.Equal(jobs.Select(j => j.Id).Order(), handler.Started.Order());
        Assert.Equal(jobs.Select(j => j.Id).Order(), _queue.Completions.Select(c => c.Id).Order());
        Assert.All(_queue.Completions, c => Assert.Equal(JobOperation.Succeed, c.Operation));
        // Quick jobs are claimed beyond the workers, many to a claim.
        Assert.True(_queue.Claims.Count < 200 / 4, $"{_queue.Claims.Count} claims for 200 jobs");
        Assert.Empty(_queue.Releases);
    }

    [Fact]
    public async Task Shutdown_lets_a_job_finish_within_the_grace_then_hands_back_the_one_still_running_and_those_never_started()
    {
        var shortGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var shortJob = new TestHandler("short", (_, _) => shortGate.Task);
        var longJob = TestHandler.UntilCancelled("long");
        await using var runtime = Runtime(Settings.Workers(count: 2), shortJob, longJob, TestHandler.Noop());
        // A first quick job teaches the prefetch that jobs are quick, so the next claim takes more than the workers.
        _queue.Enqueue(AJob.Queued());
        await runtime.StartAsync(CancellationToken.None);
        await Until.TrueAsync(() => _queue.Completions.Count == 1, "the first job");
        var (s, l) = (AJob.Queued("short"), AJob.Queued("long"));
        var waiting = AJob.Many(3, "noop");
        _queue.Enqueue([s, l, .. waiting]);
        await Until.TrueAsync(() => shortJob.Started.Count == 1 && longJob.Started.Count == 1, "both handlers to start");
        Assert.Equal(3, runtime.BufferedCount + _queue.QueuedCount);
        var bufferedIds = waiting.Select(j => j.Id).Where(id => _queue.Claims.Any(c => c.Claimed.Contains(id))).ToHashSet();

        await _clock.WaitForTimersAsync(3, "the heartbeat, progress and claim loops to sleep");
        var timers = _clock.TimersCreated;
        var stopping = runtime.StopAsync(CancellationToken.None);
        await _clock.WaitForTimersAsync(timers + 1, "the grace period to start");
        shortGate.SetResult();
        await Until.TrueAsync(() => shortJob.Finished.Count == 1, "the short job to finish");
        _clock.Advance(TimeSpan.FromSeconds(20));
        await stopping;

        Assert.Equal([JobOperation.Succeed, JobOperation.Succeed], _queue.Completions.Select(c => c.Operation));
        Assert.Equal(s.Id, _queue.Completions[1].Id);
        var released = Assert.Single(_queue.Releases);
        Assert.Equal(bufferedIds.Append(l.Id).ToHashSet(), released.ToHashSet());
        Assert.Equal(0, runtime.RunningCount);
    }

    [Fact]
    public async Task Shutdown_with_nothing_unfinished_hands_nothing_back()
    {
        _queue.Enqueue(AJob.Queued());
        await using var runtime = Runtime(Settings.Workers(count: 1), TestHandler.Noop());
        await runtime.StartAsync(CancellationToken.None);
        await Until.TrueAsync(() => _queue.Completions.Count == 1, "the job");

        await runtime.StopAsync(CancellationToken.None);

        Assert.Empty(_queue.Releases);
    }

    [Fact]
    public async Task A_cancel_requested_while_a_job_runs_ends_it_cancelled_at_the_next_heartbeat()
    {
        var handler = TestHandler.UntilCancelled();
        var job = _queue.Enqueue(AJob.Queued("long"))[0];
        await using var runtime = Runtime(Settings.Workers(count: 1), handler);
        await runtime.StartAsync(CancellationToken.None);
        await Until.TrueAsync(() => handler.Started.Count == 1, "the handler to start");

        _queue.RequestCancel(job.Id);
        _clock.Advance(TimeSpan.FromSeconds(5));

        await Until.TrueAsync(() => _queue.Completions.Count == 1, "the cancel to be acknowledged");
        Assert.Equal((job.Id, JobOperation.AcknowledgeCancel), (_queue.Completions[0].Id, _queue.Completions[0].Operation));
        Assert.Equal(job.Id, Assert.Single(_queue.Heartbeats).Ids.Single());
        await runtime.StopAsync(CancellationToken.None);
        Assert.Empty(_queue.Releases);
    }

    [Fact]
    public async Task A_runtime_of_zero_workers_claims_nothing()
    {
        _queue.Enqueue(AJob.Queued());
        await using var runtime = Runtime(Settings.Workers(count: 0), TestHandler.Noop());

        await runtime.StartAsync(CancellationToken.None);
        await runtime.StopAsync(CancellationToken.None);

        Assert.Empty(_queue.Claims);
        Assert.Equal(1, _queue.QueuedCount);
    }
}
