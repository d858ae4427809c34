namespace Conveyor.Client;

/// <summary>A job type the server has a handler for: its pause switch and cluster-wide limits (null when unlimited).</summary>
public sealed record JobType(string Type, bool Paused, DateTimeOffset? PausedAt, string? PausedBy, int? Concurrency, int? RatePerMinute);
