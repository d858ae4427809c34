namespace Conveyor.Storage;

/// <summary>
/// Where a periodic schedule stands: the last tick it has dealt with (fired, or the moment it was first seen), and the
/// job its last fired tick enqueued.
/// </summary>
public sealed record ScheduleRun(string Name, DateTimeOffset LastTick, Guid? LastJobId, DateTimeOffset? LastEnqueuedAt);
