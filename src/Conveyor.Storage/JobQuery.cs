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

    /// <summary>
    /// Text to find in a job's id (so an id prefix too), file name or metadata, case-insensitively; at least
    /// <see cref="MinSearchLength"/> characters, the shortest text the search index (trigrams) can answer.
    /// </summary>
    public string? Search { get; init; }

    /// <summary>When set, only these jobs (none when empty): how the queue reads a narrow search's matches, found once per
    /// view, by id instead of asking the search index again for every count.</summary>
    public IReadOnlyList<Guid>? Ids { get; init; }

    /// <summary>When set, the total counts matching jobs only up to this many (<see cref="JobPage.TotalCapped"/>): a count
    /// that stays cheap at a million jobs.</summary>
    public long? CountLimit { get; init; }

    /// <summary>The count limit of the API's list and the dashboard's queue.</summary>
    public const long DefaultCountLimit = 10_000;

    public const int MinSearchLength = 3;
    public const int MaxSearchLength = 200;
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
