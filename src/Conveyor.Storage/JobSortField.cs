namespace Conveyor.Storage;

/// <summary>The columns a job list can be sorted by (never null, so keyset paging is exact).</summary>
public enum JobSortField
{
    CreatedAt,
    UpdatedAt,
    ScheduledAt,
    Priority,
    Status,
    Type,
}
