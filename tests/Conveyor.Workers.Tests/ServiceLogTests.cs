using Conveyor.Workers.Maintenance;
using Conveyor.Workers.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Conveyor.Workers.Tests;

/// <summary>What the services say in the log: the lines operators and the process tests look for.</summary>
public sealed class ServiceLogTests : IDisposable
{
    private readonly TestClock _clock = new();
    private readonly InMemoryJobQueue _queue;
    private readonly WakeSignal _wake;
    private readonly HeldJobs _held;
    private readonly CapturedLogs _logs = new();

    public ServiceLogTests()
    {
        _queue = new InMemoryJobQueue(_clock);
        _wake = new WakeSignal(_clock);
        _held = new HeldJobs(_wake);
    }

    public void Dispose() => _wake.Dispose();

    private JobExecutor Executor(params IJobHandler[] handlers)
    {
        var completer = new JobCompleter(_queue, _held, Settings.Owner, 10, TimeSpan.Zero, _clock, _logs.CreateLogger("completer"));
        return new JobExecutor(new JobHandlerRegistry(handlers), _held, completer, new PrefetchPolicy(Settings.Workers()), _wake,
            Settings.Workers(), Settings.Owner, _clock, _logs);
    }

    private async Task<Execution> TakeAsync(string type, int attempt = 1)
    {
        _held.Add([AJob.Running(type, attempt)]);
        return (await _held.TakeAsync(CancellationToken.None))!;
    }

    [Fact]
    public async Task Each_run_is_logged_with_its_job_type_attempt_and_owner_and_a_handler_logs_under_its_type()
    {
        var handler = new TestHandler("noop", (context, _) =>
        {
            context.Logger.LogInformation("hello from the handler");
            return Task.CompletedTask;
        });
        var execution = await TakeAsync("noop", attempt: 2);

        await Executor(handler).ExecuteAsync(execution);

        Assert.Contains(_logs.Lines, l => l.Level == LogLevel.Debug &&
            l.Message == $"job.invoked {execution.Job.Id} type=noop attempt=2 owner={Settings.Owner}");
        Assert.Contains(("Conveyor.Handlers.noop", LogLevel.Information, "hello from the handler"), _logs.Lines);
    }

    [Fact]
    public async Task A_failure_is_logged_with_its_reference_and_a_missing_handler_as_an_error()
    {
        var failing = await TakeAsync("fail");
        var missing = await TakeAsync("mystery");
        var executor = Executor(TestHandler.Throwing("Boom."));

        var failed = await executor.ExecuteAsync(failing);
        var unknown = await executor.ExecuteAsync(missing);

        Assert.Contains((LogLevel.Warning, $"Job {failing.Job.Id} failed (ref {failed!.Input.ErrorRef})"), _logs.Lines.Select(l => (l.Level, l.Message)));
        Assert.Contains((LogLevel.Error, $"No handler for job {missing.Job.Id} of type mystery (ref {unknown!.Input.ErrorRef})"),
            _logs.Lines.Select(l => (l.Level, l.Message)));
    }

    [Fact]
    public async Task A_stopped_job_is_logged_with_why()
    {
        var execution = await TakeAsync("long");
        var run = Executor(TestHandler.UntilCancelled()).ExecuteAsync(execution);
        execution.Stop(StopReason.Shutdown);
        await run;

        Assert.Contains($"Job {execution.Job.Id} stopping: Shutdown", _logs.Messages);
    }

    [Fact]
    public async Task The_lease_keeper_logs_the_cancel_it_passes_to_a_running_job()
    {
        _queue.Enqueue(AJob.Queued("long"));
        _held.Add(await _queue.ClaimAsync(Settings.Owner, 1, TimeSpan.FromSeconds(30), CancellationToken.None));
        var execution = (await _held.TakeAsync(CancellationToken.None))!;
        _queue.RequestCancel(execution.Job.Id);
        var keeper = new LeaseKeeper(_queue, _held, Settings.Workers(), Settings.Owner, _clock, _logs.CreateLogger("leases"));

        await keeper.BeatAsync(CancellationToken.None);
        await keeper.BeatAsync(CancellationToken.None);

        Assert.Single(_logs.Messages, $"Job {execution.Job.Id} stopping: cancel requested");
    }

    [Fact]
    public async Task The_lease_keeper_tells_a_lost_lease_from_a_cancel()
    {
        _queue.Enqueue(AJob.Queued("long"), AJob.Queued("long"));
        _held.Add(await _queue.ClaimAsync(Settings.Owner, 2, TimeSpan.FromSeconds(30), CancellationToken.None));
        var (lost, cancelled) = ((await _held.TakeAsync(CancellationToken.None))!, (await _held.TakeAsync(CancellationToken.None))!);
        _queue.Rescue(lost.Job.Id);
        _queue.RequestCancel(cancelled.Job.Id);
        var keeper = new LeaseKeeper(_queue, _held, Settings.Workers(), Settings.Owner, _clock, _logs.CreateLogger("leases"));

        await keeper.BeatAsync(CancellationToken.None);

        Assert.Equal(
            new[] { $"Job {lost.Job.Id} stopping: lease lost (the job was rescued or finished elsewhere)", $"Job {cancelled.Job.Id} stopping: cancel requested" }.Order(),
            _logs.Messages.Where(m => m.Contains("stopping", StringComparison.Ordinal)).Order());
        Assert.Equal((StopReason.CancelRequested, StopReason.CancelRequested), (lost.StopReason, cancelled.StopReason));
    }

    [Fact]
    public async Task A_failed_write_is_logged_with_the_delay_before_the_next_try()
    {
        _queue.FailNextCompletes(1);
        var completer = new JobCompleter(_queue, _held, Settings.Owner, 10, TimeSpan.Zero, _clock, _logs.CreateLogger("completer"));
        completer.TryEnqueue(new Conveyor.Storage.Completion(Guid.NewGuid(), Conveyor.Core.JobOperation.Succeed, Conveyor.Core.TransitionInput.None));
        completer.Complete();
        var run = completer.RunAsync(CancellationToken.None);
        await _clock.WaitForTimersAsync(1, "the back-off");
        _clock.Advance(TimeSpan.FromMilliseconds(50));
        await run;

        Assert.Contains((LogLevel.Warning, "Worker loop completer failed; retrying in 00:00:00.0500000"), _logs.Lines.Select(l => (l.Level, l.Message)));
    }

    [Fact]
    public async Task A_failed_claim_is_logged_with_the_delay_before_the_next_try()
    {
        _queue.FailNextClaims(1);
        var options = Settings.Workers();
        var loop = new ClaimLoop(_queue, _held, new PrefetchPolicy(options), _wake, options, Settings.Owner, _clock, _logs.CreateLogger("claim"));
        using var stop = new CancellationTokenSource();
        var run = loop.RunAsync(stop.Token);
        await _clock.WaitForTimersAsync(1, "the back-off");
        await stop.CancelAsync();
        await run;

        Assert.Contains((LogLevel.Warning, "Worker loop claim failed; retrying in 00:00:00.1000000"), _logs.Lines.Select(l => (l.Level, l.Message)));
    }

    [Fact]
    public async Task The_rescuer_logs_each_batch_it_rescued_and_nothing_when_there_was_none()
    {
        var quiet = new CapturedLog<JobRescuer>();
        var log = new CapturedLog<JobRescuer>();
        await new JobRescuer(new InMemoryMaintenance(1000, 7), Options.Create(Settings.Workers()), log).RunOnceAsync(CancellationToken.None);
        await new JobRescuer(new InMemoryMaintenance(), Options.Create(Settings.Workers()), quiet).RunOnceAsync(CancellationToken.None);

        Assert.Equal(["Rescued 1000 jobs whose lease expired", "Rescued 7 jobs whose lease expired"], log.Lines.Select(l => l.Message));
        Assert.Empty(quiet.Lines);
    }

    [Fact]
    public async Task The_runtime_logs_its_start_its_shutdown_and_what_it_handed_back()
    {
        var handler = TestHandler.UntilCancelled();
        _queue.Enqueue(AJob.Queued("long"));
        var options = Settings.Workers(count: 2);
        options.ShutdownGrace = TimeSpan.Zero;
        await using var runtime = new WorkerRuntime(_queue, new JobHandlerRegistry([handler]), Options.Create(options),
            new WorkerIdentity(Settings.Owner), _clock, _logs);
        await runtime.StartAsync(CancellationToken.None);
        await Until.TrueAsync(() => handler.Started.Count == 1, "the handler to start");

        await runtime.StopAsync(CancellationToken.None);

        Assert.Contains($"Workers started: 2 as {Settings.Owner}", _logs.Messages);
        Assert.Contains("Shutting down: 1 jobs running, waiting up to 00:00:00", _logs.Messages);
        Assert.Contains("Handed 1 unfinished jobs back to the queue", _logs.Messages);
    }

    [Fact]
    public async Task A_runtime_started_twice_starts_its_workers_once_and_one_of_zero_workers_never()
    {
        var handler = TestHandler.Noop();
        await using var runtime = new WorkerRuntime(_queue, new JobHandlerRegistry([handler]), Options.Create(Settings.Workers(count: 2)),
            new WorkerIdentity(Settings.Owner), _clock, _logs);
        await using var none = new WorkerRuntime(_queue, new JobHandlerRegistry([handler]), Options.Create(Settings.Workers(count: 0)),
            new WorkerIdentity("api-only"), _clock, _logs);

        await runtime.StartAsync(CancellationToken.None);
        await runtime.StartAsync(CancellationToken.None);
        await none.StartAsync(CancellationToken.None);
        await runtime.StopAsync(CancellationToken.None);
        await none.StopAsync(CancellationToken.None);

        Assert.Equal([$"Workers started: 2 as {Settings.Owner}"], _logs.Messages.Where(m => m.StartsWith("Workers started")));
        Assert.Single(_logs.Messages, m => m.StartsWith("Shutting down"));
    }
}
