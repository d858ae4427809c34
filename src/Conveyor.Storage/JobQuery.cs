using Conveyor.Core;

namespace Conveyor.Storage;

/// <summary>A validated list request: filters, a whitelisted sort, and either a page or a keyset cursor.</summary>
public sealed record JobQuery
{
    public IReadOnlyList<JobStatus> Statuses { get; init; } = [];
    public string? Type { get; init; }
    public string? SourceType { get; init; }
    public string? Dataset { get; init; }
    public Guid? SessionId { get; init; }
    public JobSortField SortBy { get; init; } = JobSortField.CreatedAt;
    public bool Descending { get; init; } = true;
    public int Page { get; init; } = 1;
    public int Limit { get; init; } = JobDefaults.PageSize;

    /// <summary>When set, the page starts after this position (keyset paging) and <see cref="Page"/> is ignored.</summary>
    public JobCursor? After { get; init; }

    /// <summary>When set (and <see cref="After"/> is not), the page starts this many rows in and <see cref="Page"/> is ignored.</summary>
    public long? Offset { get; init; }

    /// <summary>How many matching rows the page skips: none after a cursor, else the offset, else whole pages.</summary>
    public long RowOffset => After is not null ? 0 : Offset ?? (long)(Page - 1) * Limit;
}
