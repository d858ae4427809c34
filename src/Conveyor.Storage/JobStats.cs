using Conveyor.Core;

namespace Conveyor.Storage;

/// <summary>What the dashboard's charts draw, read in one go (<see cref="IJobStats"/>).</summary>
/// <param name="Finished">Jobs that ended in the window, by the minute they ended (only minutes with any).</param>
/// <param name="Depth">Every job by its status now.</param>
/// <param name="RunTimes">Run time (start to end of the last attempt) of jobs that succeeded or failed in the window, by type.</param>
public sealed record JobStats(IReadOnlyList<FinishedMinute> Finished, IReadOnlyDictionary<JobStatus, long> Depth, IReadOnlyList<RunTimeByType> RunTimes);

/// <summary>Jobs that ended in one minute (its start, UTC), by how they ended.</summary>
public sealed record FinishedMinute(DateTimeOffset Minute, long Succeeded, long Failed, long Cancelled);

/// <summary>Run times of one type's jobs: how many, and the median and 95th percentile (linear interpolation, as percentile_cont).</summary>
public sealed record RunTimeByType(string Type, long Count, double P50Seconds, double P95Seconds);

/// <summary>The charts' reads.</summary>
public interface IJobStats
{
    /// <summary>The stats of jobs that ended in [<paramref name="from"/>, <paramref name="to"/>), and the queue's depth now.</summary>
    Task<JobStats> ReadStatsAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct);
}
