namespace Conveyor.Api.V1.Types;

/// <summary>A job type as operators steer it: its cluster-wide ceilings (from configuration) and its pause switch.</summary>
public sealed record TypeResource(string Type, bool Paused, DateTimeOffset? PausedAt, string? PausedBy, int? Concurrency, int? RatePerMinute);

/// <summary>Every job type this install knows, by name.</summary>
public sealed record TypeListResource(IReadOnlyList<TypeResource> Items);
