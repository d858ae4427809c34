namespace Conveyor.Client;

/// <summary>One page of loaded rows; <see cref="NextCursor"/> continues it.</summary>
public sealed record RecordPage(IReadOnlyList<DataRecord> Items, string? NextCursor, IReadOnlyDictionary<string, Link> Links);
