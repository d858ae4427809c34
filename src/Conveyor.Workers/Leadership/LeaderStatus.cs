namespace Conveyor.Workers.Leadership;

/// <summary>What a node knows of the leadership: itself, the leader it last saw (if its term has not passed), and whether it leads.</summary>
public sealed record LeaderStatus(string NodeId, string? Leader, DateTimeOffset? LeaderSince, DateTimeOffset? LeaderUntil, bool IsLeader);
