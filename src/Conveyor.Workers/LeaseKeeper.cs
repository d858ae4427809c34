using Conveyor.Storage;
using Microsoft.Extensions.Logging;

namespace Conveyor.Workers;

/// <summary>
/// The heartbeat: every <see cref="WorkerOptions.HeartbeatInterval"/>, one statement extends the lease of every job
/// this process holds (waiting, running, or with its outcome not yet written), and the jobs whose cancel was
/// requested (or whose lease moved on) are told to stop. A cancel is thus noticed within one heartbeat.
/// </summary>
internal sealed class LeaseKeeper(IJobQueue queue, HeldJobs held, WorkerOptions options, string owner, TimeProvider time, ILogger logger)
{
    public Task RunAsync(CancellationToken ct) => Every.RunAsync("heartbeat", options.HeartbeatInterval, BeatAsync, time, logger, ct);

    /// <summary>One heartbeat; nothing is sent when nothing is held.</summary>
    public async Task BeatAsync(CancellationToken ct)
    {
        var leased = held.LeasedAttempts();
        if (leased.Count == 0) return;
        var stop = await queue.HeartbeatAsync(owner, leased.Keys.ToList(), options.LeaseDuration, ct);
        foreach (var (id, reason) in stop)
        {
            // Only the attempt this heartbeat covered: the job may have been claimed here again since it was sent.
            if (leased.TryGetValue(id, out var attempt) && held.RequestCancel(id, attempt))
                WorkerLog.Stopping(logger, id, reason == LeaseStopReason.LeaseLost ? "lease lost (the job was rescued or finished elsewhere)" : "cancel requested");
        }
    }
}
