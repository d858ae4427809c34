namespace Conveyor.Storage;

/// <summary>
/// A Conveyor process as it last reported itself (the node registry): its id (the lease owner and leader candidate
/// name), kind (<c>serve</c> or <c>worker</c>), version, start, last heartbeat, workers and how many are busy, the jobs
/// it holds, and whether it leads. <see cref="RunningJobs"/> is read from the jobs it holds running when listed.
/// </summary>
public sealed record NodeRecord(string Id, string Kind, string Version, DateTimeOffset StartedAt, DateTimeOffset HeartbeatAt,
    int Workers, int WorkersBusy, int JobsHeld, bool IsLeader)
{
    public IReadOnlyList<Guid> RunningJobs { get; init; } = [];
}
