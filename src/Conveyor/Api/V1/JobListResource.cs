namespace Conveyor.Api.V1;

/// <summary>A page of jobs (seed 004's JobListResponse) with offset and keyset navigation.</summary>
public sealed record JobListResource(
    IReadOnlyList<JobResource> Items,
    long Total,
    int? Page,
    int PageSize,
    string? NextCursor,
    IReadOnlyDictionary<string, Link> Links);
