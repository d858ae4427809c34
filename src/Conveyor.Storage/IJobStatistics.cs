namespace Conveyor.Storage;

/// <summary>The figures behind the store's gauges at <c>/metrics</c>, read in one round trip.</summary>
public interface IJobStatistics
{
    Task<JobStatistics> ReadJobStatisticsAsync(DateTimeOffset now, CancellationToken ct);
}
