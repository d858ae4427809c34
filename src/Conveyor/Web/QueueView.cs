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

    public bool AllStatusesCapped => StatusCounts.Any(c => c.Capped);

    /// <summary>A count as the page prints it: "10,000+" when counting stopped there.</summary>
    public static string Format(long count, bool capped) => count.ToString("N0") + (capped ? "+" : "");
}

/// <summary>How many jobs have a status under the filters; <see cref="Capped"/> when counting stopped at the limit.</summary>
public sealed record StatusCount(JobStatus Status, long Count, bool Capped = false);

public sealed record TypeCount(string Type, long Count, bool Capped = false);
