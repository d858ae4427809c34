using Conveyor.Storage;
using Microsoft.Extensions.Logging;

namespace Conveyor.Workers;

/// <summary>
/// Every <see cref="WorkerOptions.ProgressFlushInterval"/>, writes the counters that running handlers reported since
/// the last flush, all in one transaction; a job's last counters also travel with its completion.
/// </summary>
internal sealed class ProgressFlusher(IJobQueue queue, HeldJobs held, WorkerOptions options, TimeProvider time, ILogger logger)
{
    public Task RunAsync(CancellationToken ct) => Every.RunAsync("progress", options.ProgressFlushInterval, FlushAsync, time, logger, ct);

    /// <summary>One flush; nothing is sent when no counter changed.</summary>
    public async Task FlushAsync(CancellationToken ct)
    {
        var updates = held.Running().Select(e => e.Progress.TakeIfChanged()).OfType<ProgressUpdate>().ToList();
        if (updates.Count > 0) await queue.FlushProgressAsync(updates, ct);
    }
}
