namespace Conveyor.Storage;

/// <summary>A snapshot of the queue for the metrics: jobs by type and status, and per type the due queued jobs and the oldest of them.</summary>
public sealed record JobStatistics(IReadOnlyList<JobCount> Counts, IReadOnlyList<QueueDepth> Queues);

/// <summary>How many jobs of <see cref="Type"/> are in <see cref="Status"/>.</summary>
public sealed record JobCount(string Type, string Status, long Count);

/// <summary>Queued jobs of <see cref="Type"/> that are due, and since when the oldest of them has been due.</summary>
public sealed record QueueDepth(string Type, long Due, DateTimeOffset OldestDueSince);
