using Conveyor.Storage;
using Microsoft.Extensions.Logging;

namespace Conveyor.Workers;

/// <summary>
/// Every <see cref="WorkerOptions.ProgressFlushInterval"/>, writes the counters that running handlers reported since
/// the last flush, all in one transaction; a job's last counters also travel with its completion. Then the lines handlers
/// logged for their jobs (the job log), in one statement.
/// </summary>
internal sealed class ProgressFlusher(IJobQueue queue, HeldJobs held, WorkerOptions options, TimeProvider time, ILogger logger,
    IJobLog? store = null, JobLogBuffer? jobLog = null)
{
    public Task RunAsync(CancellationToken ct) => Every.RunAsync("progress", options.ProgressFlushInterval, FlushAsync, time, logger, ct);

    /// <summary>One flush; nothing is sent when no counter changed.</summary>
    public async Task FlushAsync(CancellationToken ct)
    {
        var updates = held.Running().Select(e => e.Progress.TakeIfChanged()).OfType<ProgressUpdate>().ToList();
        if (updates.Count > 0) await queue.FlushProgressAsync(updates, ct);
        await FlushLogAsync(ct);
    }

    /// <summary>Writes the job log lines handlers wrote since the last flush (also at shutdown, after the last handler).</summary>
    public async Task FlushLogAsync(CancellationToken ct)
    {
        if (store is null || jobLog is null) return;
        var lines = jobLog.Drain();
        if (lines.Count > 0) await store.AppendLogAsync(lines, jobLog.KeepPerJob, ct);
    }
}
