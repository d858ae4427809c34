using System.Collections.Concurrent;
using System.Threading.Channels;
using Conveyor.Core;
using Conveyor.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Conveyor.Workers;

/// <summary>
/// This process's workers: one claim loop that fills free worker slots in a single statement, the handlers
/// running as tasks, a batched completer, and the heartbeat, sweeper and progress loops beside them.
/// </summary>
public sealed class WorkerRuntime : IHostedService, IAsyncDisposable
{
    private readonly IJobQueue _store;
    private readonly IJobMaintenance _maintenance;
    private readonly JobHandlerRegistry _handlers;
    private readonly WorkerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ILoggerFactory _loggerFactory;
    private readonly string _owner;
    private readonly ConcurrentDictionary<Guid, Execution> _running = new();
    private readonly WakeSignal _wake = new();
    private readonly CancellationTokenSource _stopClaiming = new();
    private readonly CancellationTokenSource _stopLoops = new();
    private readonly ConcurrentDictionary<Guid, Job> _buffered = new();
    private readonly ConcurrentDictionary<string, ILogger> _handlerLoggers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Guid, byte> _cancelledWhileBuffered = new();
    private readonly Channel<Job> _ready = Channel.CreateUnbounded<Job>();
    private readonly CancellationTokenSource _stopTaking = new();
    private readonly JobCompleter _completer;
    private readonly List<Task> _loops = [];
    private Task[] _workers = [];
    private int _idle;
    private double _averageJobMilliseconds = double.NaN;
    private Task _claimLoop = Task.CompletedTask;
    private Task _completerLoop = Task.CompletedTask;
    private bool _started;

    public WorkerRuntime(IJobQueue store, IJobMaintenance maintenance, JobHandlerRegistry handlers, IOptions<WorkerOptions> options, WorkerIdentity identity,
        TimeProvider time, ILoggerFactory loggerFactory)
    {
        _store = store;
        _maintenance = maintenance;
        _handlers = handlers;
        _options = options.Value;
        _time = time;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<WorkerRuntime>();
        _owner = identity.Owner;
        _completer = new JobCompleter(store, _owner, _options.CompletionBatchSize, _logger);
    }

    /// <summary>Jobs whose handlers are running in this process now.</summary>
    public int RunningCount => _running.Count;

    /// <summary>Claimed jobs waiting here for a free worker (at most <see cref="WorkerOptions.Prefetch"/> beyond the workers).</summary>
    public int BufferedCount => _buffered.Count;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_options.Count <= 0 || _started) return Task.CompletedTask;
        _started = true;
        WorkerLog.Started(_logger, _options.Count, _owner);
        _completerLoop = Task.Run(() => _completer.RunAsync(CancellationToken.None), CancellationToken.None);
        _workers = Enumerable.Range(0, _options.Count)
            .Select(_ => Task.Run(() => WorkerLoopAsync(_stopTaking.Token), CancellationToken.None)).ToArray();
        _claimLoop = Task.Run(() => ClaimLoopAsync(_stopClaiming.Token), CancellationToken.None);
        _loops.Add(Task.Run(() => EveryAsync("heartbeat", _options.HeartbeatInterval, HeartbeatAsync, _stopLoops.Token), CancellationToken.None));
        _loops.Add(Task.Run(() => EveryAsync("sweeper", _options.SweepInterval, SweepAsync, _stopLoops.Token), CancellationToken.None));
        _loops.Add(Task.Run(() => EveryAsync("progress", _options.ProgressFlushInterval, FlushProgressAsync, _stopLoops.Token), CancellationToken.None));
        return Task.CompletedTask;
    }

    /// <summary>
    /// Graceful shutdown: stop claiming and taking jobs, give running jobs <see cref="WorkerOptions.ShutdownGrace"/>
    /// to finish, stop the rest, write every outcome still pending, then hand unfinished and never-started jobs
    /// back to the queue.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!_started) return;
        _started = false;
        await _stopClaiming.CancelAsync();
        await _claimLoop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _stopTaking.CancelAsync();

        WorkerLog.Stopping(_logger, _running.Count, _options.ShutdownGrace);
        using (var grace = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            grace.CancelAfter(_options.ShutdownGrace);
            await Task.WhenAll(_workers).WaitAsync(grace.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        var unfinished = _running.Values.ToList();
        foreach (var execution in unfinished) execution.Stop(StopReason.Shutdown);
        await Task.WhenAll(_workers).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None)
            .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        _completer.Complete();
        await _completerLoop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        var handBack = unfinished.Select(e => e.Job.Id).Concat(_buffered.Keys).Distinct().ToList();
        if (handBack.Count > 0)
        {
            var released = await _store.ReleaseAsync(_owner, handBack, CancellationToken.None);
            WorkerLog.Released(_logger, released);
        }

        await _stopLoops.CancelAsync();
        await Task.WhenAll(_loops).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>
    /// Keeps the local buffer filled. A claim goes out at once when a worker waits with nothing to take (low
    /// latency); otherwise only once half the capacity is free, so a busy pool claims in large batches.
    /// </summary>
    private async Task ClaimLoopAsync(CancellationToken ct)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        IQueueSignal? signal = null;
        Task? pump = null;
        try
        {
            signal = await _store.SubscribeAsync(ct);
            pump = PumpAsync(signal, ct);
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    var capacity = Capacity();
                    var free = capacity - _running.Count - _buffered.Count;
                    var hungry = Volatile.Read(ref _idle) > 0 && _buffered.IsEmpty;
                    if (free > 0 && (hungry || free * 2 >= capacity))
                    {
                        var jobs = await _store.ClaimAsync(_owner, free, _options.LeaseDuration, ct);
                        foreach (var job in jobs)
                        {
                            _buffered[job.Id] = job;
                            _ready.Writer.TryWrite(job);
                        }
                        delay = TimeSpan.FromMilliseconds(100);
                        if (jobs.Count == free) continue;
                    }
                    await _wake.WaitAsync(_options.PollInterval, ct);
                }
                catch (Exception e) when (!ct.IsCancellationRequested)
                {
                    WorkerLog.LoopFailed(_logger, e, "claim", delay);
                    await Task.Delay(delay, _time, ct);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.PollInterval.Ticks));
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping.
        }
        finally
        {
            if (pump is not null) await pump.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (signal is not null) await signal.DisposeAsync();
        }
    }

    /// <summary>
    /// Workers plus the prefetch that recent job durations allow: as many extra jobs as the workers would get
    /// through within <see cref="WorkerOptions.PrefetchWindow"/>. Until a job has finished, no prefetch.
    /// </summary>
    private int Capacity()
    {
        var average = Volatile.Read(ref _averageJobMilliseconds);
        if (double.IsNaN(average) || _options.MaxPrefetch == 0) return _options.Count;
        var extra = _options.Count * _options.PrefetchWindow.TotalMilliseconds / Math.Max(average, 0.001);
        return _options.Count + (int)Math.Min(_options.MaxPrefetch, extra);
    }

    /// <summary>Folds one job's duration into the moving average (weight 1/16: a handful of jobs move it).</summary>
    private void RecordDuration(TimeSpan duration)
    {
        var sample = duration.TotalMilliseconds;
        var average = Volatile.Read(ref _averageJobMilliseconds);
        Volatile.Write(ref _averageJobMilliseconds, double.IsNaN(average) ? sample : average + (sample - average) / 16);
    }

    /// <summary>Turns store wake-ups (NOTIFY or in-process) into claim-loop wake-ups.</summary>
    private async Task PumpAsync(IQueueSignal signal, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            if (await signal.WaitAsync(Timeout.InfiniteTimeSpan, ct)) _wake.Set();
        }
    }

    /// <summary>One worker: takes the next claimed job and runs it, until shutdown stops it taking more.</summary>
    private async Task WorkerLoopAsync(CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                Job job;
                Interlocked.Increment(ref _idle);
                try
                {
                    if (_buffered.IsEmpty) _wake.Set();
                    job = await _ready.Reader.ReadAsync(ct);
                }
                finally
                {
                    Interlocked.Decrement(ref _idle);
                }
                // Registered as running before it leaves the buffer, so shutdown always sees it in one or the other.
                var execution = new Execution(job);
                _running[job.Id] = execution;
                _buffered.TryRemove(job.Id, out _);
                if (ct.IsCancellationRequested)
                {
                    execution.Stop(StopReason.Shutdown);
                    break;
                }
                await ExecuteAsync(execution);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutdown: this worker takes no more jobs.
        }
    }

    private async Task ExecuteAsync(Execution execution)
    {
        var job = execution.Job;
        var started = _time.GetTimestamp();
        Completion? completion;
        try
        {
            if (_cancelledWhileBuffered.TryRemove(job.Id, out _)) execution.Stop(StopReason.CancelRequested);
            execution.Cancellation.Token.ThrowIfCancellationRequested();
            WorkerLog.Invoked(_logger, job.Id, job.Type, job.Attempt, _owner);
            var handler = _handlers.Find(job.Type);
            if (handler is null)
            {
                var reference = ErrorReference.New();
                WorkerLog.NoHandler(_logger, job.Id, job.Type, reference);
                completion = Failure(job, $"No handler is registered for type '{job.Type}' on this worker.", reference);
            }
            else
            {
                var logger = _handlerLoggers.GetOrAdd(job.Type, type => _loggerFactory.CreateLogger("Conveyor.Handlers." + type));
                var context = new JobContext(job, execution.Progress, logger);
                await handler.HandleAsync(context, execution.Cancellation.Token);
                completion = new Completion(job.Id, JobOperation.Succeed, TransitionInput.None);
            }
        }
        catch (Exception) when (execution.StopReason != StopReason.None)
        {
            // Stopped on purpose: a requested cancel ends the job cancelled; a shutdown hands it back.
            WorkerLog.Stopping(_logger, job.Id, execution.StopReason.ToString());
            completion = execution.StopReason == StopReason.CancelRequested
                ? new Completion(job.Id, JobOperation.AcknowledgeCancel, TransitionInput.None)
                : null;
        }
        catch (Exception e)
        {
            var reference = ErrorReference.New();
            WorkerLog.HandlerFailed(_logger, e, job.Id, reference);
            completion = Failure(job, SafeError.Sanitize(e.Message), reference);
        }

        RecordDuration(_time.GetElapsedTime(started));
        if (completion is not null)
        {
            // After a shutdown the completer may be closed: the job is then handed back with the rest.
            _completer.TryEnqueue(completion with { Progress = execution.Progress.Latest });
        }
        if (execution.StopReason != StopReason.Shutdown)
        {
            _running.TryRemove(job.Id, out _);
            execution.Dispose();
        }
        _wake.Set();
    }

    private Completion Failure(Job job, string error, string reference)
    {
        var delay = Backoff.Delay(job.Attempt, _options.RetryBaseDelay, _options.RetryMaxDelay, Random.Shared.NextDouble());
        return new Completion(job.Id, JobOperation.Fail,
            new TransitionInput { Error = error, ErrorRef = reference, RetryAt = _time.GetUtcNow() + delay });
    }

    private async Task HeartbeatAsync(CancellationToken ct)
    {
        var ids = _running.Keys.Concat(_buffered.Keys).Concat(_completer.Pending).Distinct().ToList();
        if (ids.Count == 0) return;
        var stop = await _store.HeartbeatAsync(_owner, ids, _options.LeaseDuration, ct);
        foreach (var id in stop)
        {
            if (_running.TryGetValue(id, out var execution) && execution.StopReason == StopReason.None)
            {
                WorkerLog.Stopping(_logger, id, "cancel requested");
                execution.Stop(StopReason.CancelRequested);
            }
            else if (_buffered.ContainsKey(id))
            {
                _cancelledWhileBuffered[id] = 0;
            }
        }
    }

    private async Task SweepAsync(CancellationToken ct)
    {
        const int batch = 1000;
        int rescued;
        do
        {
            rescued = await _maintenance.RescueExpiredAsync(batch, ct);
            if (rescued > 0) WorkerLog.Rescued(_logger, rescued);
        }
        while (rescued == batch && !ct.IsCancellationRequested);
    }

    private async Task FlushProgressAsync(CancellationToken ct)
    {
        var updates = _running.Values.Select(e => e.Progress.TakeIfChanged()).OfType<ProgressUpdate>().ToList();
        if (updates.Count > 0) await _store.FlushProgressAsync(updates, ct);
    }

    private async Task EveryAsync(string name, TimeSpan interval, Func<CancellationToken, Task> body, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(interval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                try
                {
                    await body(ct);
                }
                catch (Exception e) when (!ct.IsCancellationRequested)
                {
                    WorkerLog.LoopFailed(_logger, e, name, interval);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_started) await StopAsync(CancellationToken.None);
        _stopClaiming.Dispose();
        _stopTaking.Dispose();
        _stopLoops.Dispose();
        _wake.Dispose();
    }
}
