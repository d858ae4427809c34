using System.Data.Common;
using Conveyor.Core;
using Microsoft.Data.Sqlite;

namespace Conveyor.Storage.Sqlite;

/// <summary>Reads of SQLite rows (times are µs, ids text): jobs through <see cref="SqliteJobRow"/>, and the shared column types.</summary>
internal static class SqliteRows
{
    public static DateTimeOffset? Time(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : Microseconds.FromUnixTimeMicroseconds(reader.GetInt64(ordinal));

    public static string? Text(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static async Task<List<Job>> ReadJobsAsync(SqliteCommand command, CancellationToken ct)
    {
        var jobs = new List<Job>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        var row = SqliteJobRow.Of(reader);
        while (await reader.ReadAsync(ct)) jobs.Add(row.Read(reader));
        return jobs;
    }

    public static async Task<List<JobState>> ReadStatesAsync(SqliteCommand command, CancellationToken ct)
    {
        var states = new List<JobState>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        var row = SqliteJobRow.OfState(reader);
        while (await reader.ReadAsync(ct)) states.Add(row.ReadState(reader));
        return states;
    }

    /// <summary>Reads the job of the current row (its columns found by name).</summary>
    public static Job ReadJob(DbDataReader r) => SqliteJobRow.Of(r).Read(r);
}
