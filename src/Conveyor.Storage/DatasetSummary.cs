namespace Conveyor.Storage;

/// <summary>A dataset: its succeeded jobs, their rows, and when the latest of them finished.</summary>
public sealed record DatasetSummary(string Name, long Jobs, long Records, DateTimeOffset? UpdatedAt);
