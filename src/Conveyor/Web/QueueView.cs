using Conveyor.Core;
using Conveyor.Storage;

namespace Conveyor.Web;

/// <summary>Everything the queue page shows: the chips' counts, the page of jobs, the counts by type and any errors.</summary>
public sealed record QueueView(
    QueueFilters Filters,
    IReadOnlyList<StatusCount> StatusCounts,
    IReadOnlyList<TypeCount> TypeCounts,
    JobPage? Page,
    IReadOnlyDictionary<string, string[]> Errors,
    IReadOnlyList<string> JobTypes)
{
    /// <summary>How many jobs the filters match, whatever their status.</summary>
    public long AllStatuses => StatusCounts.Sum(c => c.Count);
}

public sealed record StatusCount(JobStatus Status, long Count);

public sealed record TypeCount(string Type, long Count);
