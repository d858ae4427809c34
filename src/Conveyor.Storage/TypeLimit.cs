namespace Conveyor.Storage;

/// <summary>
/// A cluster-wide ceiling on one job type, enforced by the claim statement: at most <see cref="Concurrency"/> of its
/// jobs running at once, and at most <see cref="RatePerMinute"/> started in any 60 seconds (null: no ceiling).
/// </summary>
public sealed record TypeLimit(string Type, int? Concurrency, int? RatePerMinute);
