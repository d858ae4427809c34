using Conveyor.Core;
using Npgsql;

namespace Conveyor.Storage.Postgres;

/// <summary>Reads of PostgreSQL rows: jobs (through <see cref="PostgresJobRow"/>) and the column types every table shares.</summary>
internal static class PostgresRows
{
    /// <summary>Reads the job of the current row (its columns found by name).</summary>
    public static Job ReadJob(NpgsqlDataReader r) => PostgresJobRow.Of(r).Read(r);

    public static async Task<List<Job>> ReadJobsAsync(NpgsqlDataReader reader, CancellationToken ct)
    {
        var jobs = new List<Job>();
        var row = PostgresJobRow.Of(reader);
        while (await reader.ReadAsync(ct)) jobs.Add(row.Read(reader));
        return jobs;
    }

    public static DateTimeOffset Time(NpgsqlDataReader r, int ordinal) => r.GetFieldValue<DateTimeOffset>(ordinal);

    public static DateTimeOffset? NullableTime(NpgsqlDataReader r, int ordinal) =>
        r.IsDBNull(ordinal) ? null : r.GetFieldValue<DateTimeOffset>(ordinal);

    public static string? Text(NpgsqlDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetString(ordinal);
}
