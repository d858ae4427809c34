using Conveyor.Storage;
using Microsoft.Extensions.Logging;

namespace Conveyor.Workers;

/// <summary>
/// Keeps this process supplied with jobs: one claim statement fills the free places (<see cref="PrefetchPolicy"/>),
/// then the loop sleeps until a wake-up (the store's LISTEN/NOTIFY or in-process signal, a worker that went idle,
/// a job that finished) or the slow poll. A claim goes out at once when a worker waits with nothing to take (low
/// latency); otherwise only once half the capacity is free, so a busy pool claims in large batches.
/// </summary>
internal sealed class ClaimLoop(IJobQueue queue, HeldJobs held, PrefetchPolicy prefetch, WakeSignal wake, WorkerOptions options,
    string owner, TimeProvider time, ILogger logger, WorkerMetrics? metrics = null)
{
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(100);

    /// <summary>Claims until <paramref name="ct"/> fires; a failed claim is retried with a doubling delay up to the poll interval.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var delay = FirstRetryDelay;
        IQueueSignal? signal = null;
        Task? pump = null;
        try
        {
            signal = await queue.SubscribeAsync(ct);
            pump = PumpAsync(signal, ct);
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    var full = await ClaimOnceAsync(ct);
                    delay = FirstRetryDelay;
                    if (full) continue;
                    await wake.WaitAsync(options.PollInterval, ct);
                }
                catch (Exception e) when (!ct.IsCancellationRequested)
                {
                    WorkerLog.LoopFailed(logger, e, "claim", delay);
                    await Task.Delay(delay, time, ct);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.PollInterval.Ticks));
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

    /// <summary>One decision: claims if there is room worth claiming for; true when the claim filled every free place (claim again).</summary>
    public async Task<bool> ClaimOnceAsync(CancellationToken ct)
    {
        var capacity = prefetch.Capacity();
        var free = capacity - held.RunningCount - held.BufferedCount;
        var hungry = held.WaitingWorkers > 0 && held.BufferedCount == 0;
        if (free <= 0 || (!hungry && free * 2 < capacity)) return false;
        var started = time.GetTimestamp();
        var jobs = await queue.ClaimAsync(owner, free, options.LeaseDuration, ct);
        metrics?.Claimed(jobs, time.GetElapsedTime(started));
        held.Add(jobs);
        return jobs.Count == free;
    }

    /// <summary>Turns store wake-ups into claim-loop wake-ups.</summary>
    private async Task PumpAsync(IQueueSignal signal, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            if (await signal.WaitAsync(Timeout.InfiniteTimeSpan, ct)) wake.Set();
        }
    }
}
