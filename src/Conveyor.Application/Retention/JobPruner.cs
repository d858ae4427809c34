using Conveyor.Ingestion;
using Conveyor.Storage;
using Conveyor.Workers.Maintenance;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Conveyor.Application.Retention;

/// <summary>
/// Deletes finished jobs older than <see cref="RetentionOptions.Days"/> (a maintenance service, so only the leader runs
/// it), in batches of <see cref="RetentionOptions.BatchSize"/> until a batch comes back short: each batch's rows, events,
/// detection results and failures in one short transaction that skips rows anyone holds, then its stored files. Audit
/// events are never pruned. A file whose job is gone but which a crash left on disk is the upload sweeper's.
/// </summary>
public sealed partial class JobPruner(IJobRetention store, StorageRoot root, IOptions<RetentionOptions> options, TimeProvider time,
    ILogger<JobPruner> logger) : IMaintenanceService
{
    public string Name => "pruner";

    public TimeSpan Interval => options.Value.Interval;

    public async Task RunOnceAsync(CancellationToken ct)
    {
        var o = options.Value;
        if (o.Days <= 0) return;
        var before = time.GetUtcNow() - TimeSpan.FromDays(o.Days);
        var total = 0;
        PrunedJobs batch;
        do
        {
            batch = await store.PruneFinishedAsync(before, o.BatchSize, o.DeleteRecords, ct);
            foreach (var path in batch.FilePaths) UploadFiles.Delete(root, path, logger);
            total += batch.Jobs;
        }
        while (batch.Jobs == o.BatchSize && !ct.IsCancellationRequested);
        if (total > 0) Pruned(logger, total, before);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Pruned {Count} finished jobs older than {Before:O}")]
    private static partial void Pruned(ILogger logger, int count, DateTimeOffset before);
}
