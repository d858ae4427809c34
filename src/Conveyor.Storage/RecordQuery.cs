namespace Conveyor.Storage;

/// <summary>
/// Which rows to read: one job's (any status), or one dataset's (succeeded jobs only, so a load still running or
/// abandoned never shows); keyset after (job, row number).
/// </summary>
public sealed record RecordQuery
{
    public Guid? JobId { get; init; }
    public string? Dataset { get; init; }
    public (Guid JobId, long RowNumber)? After { get; init; }
    public int Limit { get; init; } = 100;
}
