namespace Conveyor.Client;

/// <summary>Filters, order and paging of <c>GET /api/v1/jobs</c>; every one optional.</summary>
public sealed record JobQuery
{
    public IReadOnlyList<JobStatus>? Status { get; init; }
    public string? Type { get; init; }
    public string? SourceType { get; init; }
    public string? Dataset { get; init; }
    public Guid? SessionId { get; init; }
    /// <summary>Search text (3-200 characters): an id or its prefix, part of a file name, or metadata text.</summary>
    public string? Q { get; init; }
    /// <summary><c>created_at</c>, <c>submitted_at</c>, <c>updated_at</c>, <c>scheduled_at</c>, <c>priority</c>, <c>status</c> or <c>type</c>.</summary>
    public string? SortBy { get; init; }
    /// <summary><c>asc</c> or <c>desc</c>.</summary>
    public string? SortOrder { get; init; }
    public int? Page { get; init; }
    /// <summary>At most 100.</summary>
    public int? Limit { get; init; }
    public string? Cursor { get; init; }
}
