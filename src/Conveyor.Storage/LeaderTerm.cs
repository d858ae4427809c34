namespace Conveyor.Storage;

/// <summary>The leader's term: which node, since when, and until when unless it extends it.</summary>
public sealed record LeaderTerm(string NodeId, DateTimeOffset ElectedAt, DateTimeOffset ExpiresAt);
