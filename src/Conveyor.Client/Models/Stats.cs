namespace Conveyor.Client;

/// <summary>The dashboard charts' numbers over the last 24 hours (<c>GET /api/v1/stats</c>).</summary>
public sealed record Stats(DateTimeOffset From, DateTimeOffset To, IReadOnlyList<FinishedMinute> FinishedPerMinute,
    IReadOnlyDictionary<string, long> QueueDepth, FinishedCounts Finished, double? FailureRate, IReadOnlyList<RunTime> RunTimeByType);

/// <summary>Jobs that ended in one UTC minute, by how.</summary>
public sealed record FinishedMinute(DateTimeOffset Minute, long Succeeded, long Failed, long Cancelled);

/// <summary>Jobs that ended in the window, by how.</summary>
public sealed record FinishedCounts(long Succeeded, long Failed, long Cancelled);

/// <summary>Run times of one type's jobs that ended in the window.</summary>
public sealed record RunTime(string Type, long Count, double P50Seconds, double P95Seconds);
