namespace Conveyor.Client;

/// <summary>A dataset that loads wrote rows to.</summary>
public sealed record Dataset(string Name, long Jobs, long Records, DateTimeOffset? UpdatedAt, IReadOnlyDictionary<string, Link> Links);
