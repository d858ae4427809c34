using Conveyor.Core;
using Conveyor.Storage;

namespace Conveyor.Ingestion.Handlers;

/// <summary>Finds the file a handler reads: the job's own, or (for a job made by retry-as-new) the file of the job it retries.</summary>
public static class StoredFiles
{
    /// <summary>How far back a chain of retries is followed.</summary>
    private const int MaxDepth = 16;

    public static async Task<StoredFile?> FindAsync(IRecordLoader records, IJobReader jobs, Job job, CancellationToken ct)
    {
        Job? current = job;
        for (var depth = 0; current is not null && depth < MaxDepth; depth++)
        {
            if (await records.GetFileAsync(current.Id, ct) is { } file) return file;
            current = current.RetryOf is { } original ? await jobs.GetAsync(original, ct) : null;
        }
        return null;
    }
}
