namespace Conveyor.Api.Seeds;

/// <summary>A page of seed 003's ingestion jobs, most recent first; <c>next_cursor</c> fetches the next page.</summary>
public sealed record IngestionJobListResource(IReadOnlyList<IngestionJobResource> Items, string? NextCursor);
