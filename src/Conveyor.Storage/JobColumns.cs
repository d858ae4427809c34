namespace Conveyor.Storage;

/// <summary>The column list both drivers select, in the order their row readers expect.</summary>
internal static class JobColumns
{
    public const string All =
        "id, type, source_type, source_uri, file_name, file_size, mime_type, mode, priority, metadata, session_id, dataset, " +
        "status, attempt, max_attempts, scheduled_at, created_at, started_at, completed_at, updated_at, " +
        "records_processed, records_failed, records_total, error, error_ref, cancel_requested_at, lease_owner, " +
        "lease_expires_at, retry_of, idempotency_key, created_by, synthetic, trace_parent";

    /// <summary>The columns a status change reads under its lock.</summary>
    public const string State =
        "id, status, attempt, max_attempts, cancel_requested_at, lease_owner, lease_expires_at, completed_at, " +
        "scheduled_at, error, error_ref, updated_at";

    /// <summary>Sort columns by whitelist entry: nothing from a client reaches SQL text.</summary>
    public static string SortColumn(JobSortField field) => field switch
    {
        JobSortField.CreatedAt => "created_at",
        JobSortField.UpdatedAt => "updated_at",
        JobSortField.ScheduledAt => "scheduled_at",
        JobSortField.Priority => "priority",
        JobSortField.Status => "status",
        JobSortField.Type => "type",
        _ => throw new ArgumentOutOfRangeException(nameof(field)),
    };
}
