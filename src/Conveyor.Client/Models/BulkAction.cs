namespace Conveyor.Client;

/// <summary>The jobs a bulk action covers: the list's filters (<c>GET /api/v1/jobs</c>), every one optional.</summary>
public sealed record BulkFilter
{
    public IReadOnlyList<JobStatus>? Status { get; init; }
    public string? Type { get; init; }
    public string? SourceType { get; init; }
    public string? Dataset { get; init; }
    public Guid? SessionId { get; init; }
    /// <summary>Search text: an id or its prefix, a file name or metadata text (3-200 characters).</summary>
    public string? Q { get; init; }
}

/// <summary>What a bulk action matched and did; a dry run only counts (<see cref="Matched"/>).</summary>
public sealed record BulkActionResult(string Action, bool DryRun, long Matched, long Changed, long Unchanged, long Rejected);
