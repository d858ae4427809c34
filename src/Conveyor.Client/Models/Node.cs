namespace Conveyor.Client;

/// <summary>One API or worker process of the node registry (<c>GET /api/v1/nodes</c>), as it last reported itself.</summary>
public sealed record Node(string Id, string Kind, string Version, DateTimeOffset StartedAt, DateTimeOffset HeartbeatAt, int Workers,
    int WorkersBusy, int WorkersIdle, int JobsHeld, bool IsLeader, IReadOnlyList<Guid> RunningJobs);
