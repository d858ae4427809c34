using Conveyor.Core;
using Npgsql;

namespace Conveyor.Storage.Postgres;

/// <summary>Reads <see cref="JobColumns.All"/> and <see cref="JobColumns.State"/> rows of the PostgreSQL schema.</summary>
internal static class PostgresRows
{
    /// <summary>Reads a job whose <see cref="JobColumns.All"/> start at ordinal <paramref name="o"/>.</summary>
    public static Job ReadJob(NpgsqlDataReader r, int o = 0) => new()
    {
        Id = r.GetGuid(o),
        Type = r.GetString(o + 1),
        SourceType = Text(r, o + 2),
        SourceUri = Text(r, o + 3),
        FileName = Text(r, o + 4),
        FileSize = r.IsDBNull(o + 5) ? null : r.GetInt64(o + 5),
        MimeType = Text(r, o + 6),
        Mode = Text(r, o + 7),
        Priority = r.GetInt32(o + 8),
        Metadata = JobMetadata.Parse(r.GetString(o + 9)),
        SessionId = r.IsDBNull(o + 10) ? null : r.GetGuid(o + 10),
        Dataset = Text(r, o + 11),
        Status = JobStatusNames.Parse(r.GetString(o + 12)),
        Attempt = r.GetInt32(o + 13),
        MaxAttempts = r.GetInt32(o + 14),
        ScheduledAt = Time(r, o + 15),
        CreatedAt = Time(r, o + 16),
        StartedAt = NullableTime(r, o + 17),
        CompletedAt = NullableTime(r, o + 18),
        UpdatedAt = Time(r, o + 19),
        RecordsProcessed = r.GetInt64(o + 20),
        RecordsFailed = r.GetInt64(o + 21),
        RecordsTotal = r.IsDBNull(o + 22) ? null : r.GetInt64(o + 22),
        Error = Text(r, o + 23),
        ErrorRef = Text(r, o + 24),
        CancelRequestedAt = NullableTime(r, o + 25),
        LeaseOwner = Text(r, o + 26),
        LeaseExpiresAt = NullableTime(r, o + 27),
        RetryOf = r.IsDBNull(o + 28) ? null : r.GetGuid(o + 28),
        IdempotencyKey = Text(r, o + 29),
        CreatedBy = r.GetString(o + 30),
        Synthetic = r.GetBoolean(o + 31),
    };

    /// <summary>Reads the <see cref="JobColumns.State"/> columns of a row loaded under its lock.</summary>
    public static JobState ReadState(NpgsqlDataReader r) => new()
    {
        Id = r.GetGuid(0),
        Status = JobStatusNames.Parse(r.GetString(1)),
        Attempt = r.GetInt32(2),
        MaxAttempts = r.GetInt32(3),
        CancelRequestedAt = NullableTime(r, 4),
        LeaseOwner = Text(r, 5),
        LeaseExpiresAt = NullableTime(r, 6),
        CompletedAt = NullableTime(r, 7),
        ScheduledAt = Time(r, 8),
        Error = Text(r, 9),
        ErrorRef = Text(r, 10),
        UpdatedAt = Time(r, 11),
    };

    public static async Task<List<Job>> ReadJobsAsync(NpgsqlDataReader reader, CancellationToken ct)
    {
        var jobs = new List<Job>();
        while (await reader.ReadAsync(ct)) jobs.Add(ReadJob(reader));
        return jobs;
    }

    public static DateTimeOffset Time(NpgsqlDataReader r, int ordinal) => r.GetFieldValue<DateTimeOffset>(ordinal);

    public static DateTimeOffset? NullableTime(NpgsqlDataReader r, int ordinal) =>
        r.IsDBNull(ordinal) ? null : r.GetFieldValue<DateTimeOffset>(ordinal);

    public static string? Text(NpgsqlDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetString(ordinal);
}
