namespace Conveyor.Api.V1;

/// <summary>A page of jobs (seed 004's JobListResponse) with offset and keyset navigation; when <c>total_capped</c>, more
/// than <c>total</c> jobs match.</summary>
public sealed record JobListResource(
    IReadOnlyList<JobResource> Items,
    long Total,
    bool TotalCapped,
    int? Page,
    int PageSize,
    string? NextCursor,
    IReadOnlyDictionary<string, Link> Links);
