using System.Data.Common;
using Conveyor.Core;
using Microsoft.Data.Sqlite;

namespace Conveyor.Storage.Sqlite;

/// <summary>Reads <see cref="JobColumns.All"/> and <see cref="JobColumns.State"/> rows of the SQLite schema (times are µs, ids text).</summary>
internal static class SqliteRows
{
    public static DateTimeOffset? Time(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : Microseconds.FromUnixTimeMicroseconds(reader.GetInt64(ordinal));

    public static string? Text(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static async Task<List<Job>> ReadJobsAsync(SqliteCommand command, CancellationToken ct)
    {
        var jobs = new List<Job>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) jobs.Add(ReadJob(reader));
        return jobs;
    }

    public static async Task<List<JobState>> ReadStatesAsync(SqliteCommand command, CancellationToken ct)
    {
        var states = new List<JobState>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) states.Add(ReadState(reader));
        return states;
    }

    public static JobState ReadState(DbDataReader r) => new()
    {
        Id = Guid.Parse(r.GetString(0)),
        Status = JobStatusNames.Parse(r.GetString(1)),
        Attempt = r.GetInt32(2),
        MaxAttempts = r.GetInt32(3),
        CancelRequestedAt = Time(r, 4),
        LeaseOwner = Text(r, 5),
        LeaseExpiresAt = Time(r, 6),
        CompletedAt = Time(r, 7),
        ScheduledAt = Microseconds.FromUnixTimeMicroseconds(r.GetInt64(8)),
        Error = Text(r, 9),
        ErrorRef = Text(r, 10),
        UpdatedAt = Microseconds.FromUnixTimeMicroseconds(r.GetInt64(11)),
    };

    public static Job ReadJob(DbDataReader r) => new()
    {
        Id = Guid.Parse(r.GetString(0)),
        Type = r.GetString(1),
        SourceType = Text(r, 2),
        SourceUri = Text(r, 3),
        FileName = Text(r, 4),
        FileSize = r.IsDBNull(5) ? null : r.GetInt64(5),
        MimeType = Text(r, 6),
        Mode = Text(r, 7),
        Priority = r.GetInt32(8),
        Metadata = JobMetadata.Parse(r.GetString(9)),
        SessionId = r.IsDBNull(10) ? null : Guid.Parse(r.GetString(10)),
        Dataset = Text(r, 11),
        Status = JobStatusNames.Parse(r.GetString(12)),
        Attempt = r.GetInt32(13),
        MaxAttempts = r.GetInt32(14),
        ScheduledAt = Microseconds.FromUnixTimeMicroseconds(r.GetInt64(15)),
        CreatedAt = Microseconds.FromUnixTimeMicroseconds(r.GetInt64(16)),
        StartedAt = Time(r, 17),
        CompletedAt = Time(r, 18),
        UpdatedAt = Microseconds.FromUnixTimeMicroseconds(r.GetInt64(19)),
        RecordsProcessed = r.GetInt64(20),
        RecordsFailed = r.GetInt64(21),
        RecordsTotal = r.IsDBNull(22) ? null : r.GetInt64(22),
        Error = Text(r, 23),
        ErrorRef = Text(r, 24),
        CancelRequestedAt = Time(r, 25),
        LeaseOwner = Text(r, 26),
        LeaseExpiresAt = Time(r, 27),
        RetryOf = r.IsDBNull(28) ? null : Guid.Parse(r.GetString(28)),
        IdempotencyKey = Text(r, 29),
        CreatedBy = r.GetString(30),
        Synthetic = r.GetInt64(31) == 1,
    };
}
