using Conveyor.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Conveyor.Workers;

/// <summary>
/// This process's workers, composed of services with one job each: the <see cref="ClaimLoop"/> fills
/// <see cref="HeldJobs"/>, the <see cref="JobExecutor"/>'s slots run them, the <see cref="JobCompleter"/> writes
/// outcomes in batches, the <see cref="LeaseKeeper"/> extends leases and passes cancels on, and the
/// <see cref="ProgressFlusher"/> writes counters. This class only starts them and stops them in order.
/// </summary>
public sealed class WorkerRuntime : IHostedService, IAsyncDisposable
{
    private static readonly TimeSpan StoppedHandlerWait = TimeSpan.FromSeconds(5);

    private readonly IJobQueue _queue;
    private readonly WorkerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _owner;
    private readonly WakeSignal _wake;
    private readonly HeldJobs _held;
    private readonly ClaimLoop _claims;
    private readonly JobExecutor _executor;
    private readonly JobCompleter _completer;
    private readonly LeaseKeeper _leases;
    private readonly ProgressFlusher _progress;
    private readonly CancellationTokenSource _stopClaiming = new();
    private readonly CancellationTokenSource _stopTaking = new();
    private readonly CancellationTokenSource _stopKeeping = new();
    private Task _claimLoop = Task.CompletedTask;
    private Task _completerLoop = Task.CompletedTask;
    private Task[] _slots = [];
    private Task[] _keepers = [];
    private bool _started;

    public WorkerRuntime(IJobQueue queue, JobHandlerRegistry handlers, IOptions<WorkerOptions> options, WorkerIdentity identity,
        TimeProvider time, ILoggerFactory loggerFactory, WorkerMetrics? metrics = null, IJobLog? jobLog = null)
    {
        _queue = queue;
        _options = options.Value;
        _owner = identity.Owner;
        _time = time;
        _logger = loggerFactory.CreateLogger<WorkerRuntime>();
        _wake = new WakeSignal(time);
        _held = new HeldJobs(_wake);
        var prefetch = new PrefetchPolicy(_options);
        _claims = new ClaimLoop(queue, _held, prefetch, _wake, _options, _owner, time, loggerFactory.CreateLogger<ClaimLoop>(), metrics);
        _completer = new JobCompleter(queue, _held, _owner, _options.CompletionBatchSize, _options.CompletionWindow, time, loggerFactory.CreateLogger<JobCompleter>());
        var lines = jobLog is null ? null : new JobLogBuffer(_options.LogLinesPerJob);
        _executor = new JobExecutor(handlers, _held, _completer, prefetch, _wake, _options, _owner, time, loggerFactory, metrics, lines);
        _leases = new LeaseKeeper(queue, _held, _options, _owner, time, loggerFactory.CreateLogger<LeaseKeeper>());
        _progress = new ProgressFlusher(queue, _held, _options, time, loggerFactory.CreateLogger<ProgressFlusher>(), jobLog, lines);
    }

    /// <summary>Jobs whose handlers are running in this process now.</summary>
    public int RunningCount => _held.RunningCount;

    /// <summary>Every job this process holds a lease on: waiting, running or completing.</summary>
    public int HeldCount => _held.Count;

    /// <summary>Whether this process runs workers (<see cref="WorkerOptions.Count"/> above 0, and started).</summary>
    public bool Started => _started;

    /// <summary>Claimed jobs waiting here for a free worker (at most <see cref="WorkerOptions.Prefetch"/> beyond the workers).</summary>
    public int BufferedCount => _held.BufferedCount;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_options.Count <= 0 || _started) return Task.CompletedTask;
        _started = true;
        WorkerLog.Started(_logger, _options.Count, _owner);
        _completerLoop = Task.Run(() => _completer.RunAsync(CancellationToken.None), CancellationToken.None);
        _slots = Enumerable.Range(0, _options.Count)
            .Select(_ => Task.Run(() => _executor.RunSlotAsync(_stopTaking.Token), CancellationToken.None)).ToArray();
        _claimLoop = Task.Run(() => _claims.RunAsync(_stopClaiming.Token), CancellationToken.None);
        _keepers =
        [
            Task.Run(() => _leases.RunAsync(_stopKeeping.Token), CancellationToken.None),
            Task.Run(() => _progress.RunAsync(_stopKeeping.Token), CancellationToken.None),
        ];
        return Task.CompletedTask;
    }

    /// <summary>
    /// Graceful shutdown: stop claiming and taking jobs, give running jobs <see cref="WorkerOptions.ShutdownGrace"/>
    /// to finish, stop the rest, write every outcome still pending, then hand unfinished and never-started jobs
    /// back to the queue. Leases are kept until then.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!_started) return;
        _started = false;
        await _stopClaiming.CancelAsync();
        await _claimLoop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _stopTaking.CancelAsync();

        WorkerLog.Stopping(_logger, _held.RunningCount, _options.ShutdownGrace);
        await Task.WhenAll(_slots).WaitAsync(_options.ShutdownGrace, _time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        foreach (var execution in _held.Running()) execution.Stop(StopReason.Shutdown);
        await Task.WhenAll(_slots).WaitAsync(StoppedHandlerWait, _time, CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        _completer.Complete();
        await _completerLoop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        var handBack = _held.Unfinished();
        if (handBack.Count > 0)
        {
            var released = await _queue.ReleaseAsync(_owner, handBack, CancellationToken.None);
            WorkerLog.Released(_logger, released);
        }

        await _stopKeeping.CancelAsync();
        await Task.WhenAll(_keepers).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        try
        {
            await _progress.FlushLogAsync(CancellationToken.None);
        }
        catch (Exception e)
        {
            WorkerLog.LoopFailed(_logger, e, "progress", _options.ProgressFlushInterval);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_started) await StopAsync(CancellationToken.None);
        _stopClaiming.Dispose();
        _stopTaking.Dispose();
        _stopKeeping.Dispose();
        _wake.Dispose();
    }
}
