using System.Data.Common;
using Conveyor.Core;

namespace Conveyor.Storage.Driver;

/// <summary>
/// The one place a <c>jobs</c> row becomes a <see cref="Job"/> (or, for the columns a status change locks, a
/// <see cref="JobState"/>): columns are found by name once per result set, then read by ordinal per row. A driver says
/// only how its schema stores the three column types that differ (ids, times, flags). Adding a job field is three lines
/// here (its ordinal, found; its value, read), beside <see cref="JobColumns"/>.
/// </summary>
internal abstract class JobRowReader
{
    private readonly int _id;
    private readonly int _type;
    private readonly int _sourceType;
    private readonly int _sourceUri;
    private readonly int _fileName;
    private readonly int _fileSize;
    private readonly int _mimeType;
    private readonly int _mode;
    private readonly int _priority;
    private readonly int _metadata;
    private readonly int _sessionId;
    private readonly int _dataset;
    private readonly int _status;
    private readonly int _attempt;
    private readonly int _maxAttempts;
    private readonly int _scheduledAt;
    private readonly int _createdAt;
    private readonly int _startedAt;
    private readonly int _completedAt;
    private readonly int _updatedAt;
    private readonly int _recordsProcessed;
    private readonly int _recordsFailed;
    private readonly int _recordsTotal;
    private readonly int _error;
    private readonly int _errorRef;
    private readonly int _cancelRequestedAt;
    private readonly int _leaseOwner;
    private readonly int _leaseExpiresAt;
    private readonly int _retryOf;
    private readonly int _idempotencyKey;
    private readonly int _createdBy;
    private readonly int _synthetic;
    private readonly int _traceParent;

    protected JobRowReader(DbDataReader r, bool stateOnly)
    {
        _id = r.GetOrdinal("id");
        _status = r.GetOrdinal("status");
        _attempt = r.GetOrdinal("attempt");
        _maxAttempts = r.GetOrdinal("max_attempts");
        _scheduledAt = r.GetOrdinal("scheduled_at");
        _completedAt = r.GetOrdinal("completed_at");
        _updatedAt = r.GetOrdinal("updated_at");
        _error = r.GetOrdinal("error");
        _errorRef = r.GetOrdinal("error_ref");
        _cancelRequestedAt = r.GetOrdinal("cancel_requested_at");
        _leaseOwner = r.GetOrdinal("lease_owner");
        _leaseExpiresAt = r.GetOrdinal("lease_expires_at");
        if (stateOnly) return;
        _type = r.GetOrdinal("type");
        _sourceType = r.GetOrdinal("source_type");
        _sourceUri = r.GetOrdinal("source_uri");
        _fileName = r.GetOrdinal("file_name");
        _fileSize = r.GetOrdinal("file_size");
        _mimeType = r.GetOrdinal("mime_type");
        _mode = r.GetOrdinal("mode");
        _priority = r.GetOrdinal("priority");
        _metadata = r.GetOrdinal("metadata");
        _sessionId = r.GetOrdinal("session_id");
        _dataset = r.GetOrdinal("dataset");
        _createdAt = r.GetOrdinal("created_at");
        _startedAt = r.GetOrdinal("started_at");
        _recordsProcessed = r.GetOrdinal("records_processed");
        _recordsFailed = r.GetOrdinal("records_failed");
        _recordsTotal = r.GetOrdinal("records_total");
        _retryOf = r.GetOrdinal("retry_of");
        _idempotencyKey = r.GetOrdinal("idempotency_key");
        _createdBy = r.GetOrdinal("created_by");
        _synthetic = r.GetOrdinal("synthetic");
        _traceParent = r.GetOrdinal("trace_parent");
    }

    /// <summary>The current row as a job (a reader made by the driver's <c>Of</c>).</summary>
    public Job Read(DbDataReader r) => new()
    {
        Id = Id(r, _id),
        Type = r.GetString(_type),
        SourceType = Text(r, _sourceType),
        SourceUri = Text(r, _sourceUri),
        FileName = Text(r, _fileName),
        FileSize = r.IsDBNull(_fileSize) ? null : r.GetInt64(_fileSize),
        MimeType = Text(r, _mimeType),
        Mode = Text(r, _mode),
        Priority = r.GetInt32(_priority),
        Metadata = JobMetadata.Parse(r.GetString(_metadata)),
        SessionId = r.IsDBNull(_sessionId) ? null : Id(r, _sessionId),
        Dataset = Text(r, _dataset),
        Status = JobStatusNames.Parse(r.GetString(_status)),
        Attempt = r.GetInt32(_attempt),
        MaxAttempts = r.GetInt32(_maxAttempts),
        ScheduledAt = Time(r, _scheduledAt),
        CreatedAt = Time(r, _createdAt),
        StartedAt = NullableTime(r, _startedAt),
        CompletedAt = NullableTime(r, _completedAt),
        UpdatedAt = Time(r, _updatedAt),
        RecordsProcessed = r.GetInt64(_recordsProcessed),
        RecordsFailed = r.GetInt64(_recordsFailed),
        RecordsTotal = r.IsDBNull(_recordsTotal) ? null : r.GetInt64(_recordsTotal),
        Error = Text(r, _error),
        ErrorRef = Text(r, _errorRef),
        CancelRequestedAt = NullableTime(r, _cancelRequestedAt),
        LeaseOwner = Text(r, _leaseOwner),
        LeaseExpiresAt = NullableTime(r, _leaseExpiresAt),
        RetryOf = r.IsDBNull(_retryOf) ? null : Id(r, _retryOf),
        IdempotencyKey = Text(r, _idempotencyKey),
        CreatedBy = r.GetString(_createdBy),
        Synthetic = Flag(r, _synthetic),
        TraceParent = r.IsDBNull(_traceParent) ? null : r.GetString(_traceParent),
    };

    /// <summary>The current row's state columns (any reader the driver made).</summary>
    public JobState ReadState(DbDataReader r) => new()
    {
        Id = Id(r, _id),
        Status = JobStatusNames.Parse(r.GetString(_status)),
        Attempt = r.GetInt32(_attempt),
        MaxAttempts = r.GetInt32(_maxAttempts),
        ScheduledAt = Time(r, _scheduledAt),
        CompletedAt = NullableTime(r, _completedAt),
        UpdatedAt = Time(r, _updatedAt),
        Error = Text(r, _error),
        ErrorRef = Text(r, _errorRef),
        CancelRequestedAt = NullableTime(r, _cancelRequestedAt),
        LeaseOwner = Text(r, _leaseOwner),
        LeaseExpiresAt = NullableTime(r, _leaseExpiresAt),
    };

    /// <summary>A non-null id column (uuid in PostgreSQL, text in SQLite).</summary>
    protected abstract Guid Id(DbDataReader r, int ordinal);

    /// <summary>A non-null time column (timestamptz in PostgreSQL, µs since the epoch in SQLite).</summary>
    protected abstract DateTimeOffset Time(DbDataReader r, int ordinal);

    /// <summary>A boolean column (boolean in PostgreSQL, 0 or 1 in SQLite).</summary>
    protected abstract bool Flag(DbDataReader r, int ordinal);

    private DateTimeOffset? NullableTime(DbDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : Time(r, ordinal);

    private static string? Text(DbDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetString(ordinal);
}
