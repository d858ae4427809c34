using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Conveyor.Tests.Infrastructure;

/// <summary>Raw SQL on the store a test server uses, so tests check the database itself, not the API's view of it.</summary>
public sealed class TestDatabase(Provider provider, string connectionString)
{
    public Provider Provider { get; } = provider;
    public string ConnectionString { get; } = connectionString;

    public async Task<T> ScalarAsync<T>(string sql, Guid? id = null)
    {
        await using var connection = Open();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        if (id is { } value)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = "id";
            parameter.Value = Provider == Provider.Postgres ? value : value.ToString();
            command.Parameters.Add(parameter);
        }
        var result = await command.ExecuteScalarAsync();
        return (T)Convert.ChangeType(result!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Runs raw SQL against the server's database (to break or tamper with it on purpose).</summary>
    public async Task ExecuteAsync(string sql)
    {
        await using var connection = Open();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    public Task<long> CountAsync(string table, string where = "TRUE", Guid? id = null) =>
        ScalarAsync<long>($"SELECT count(*) FROM {table} WHERE {where}", id);

    public Task<string> StatusAsync(Guid id) => ScalarAsync<string>("SELECT status FROM jobs WHERE id = @id", id);

    public Task<long> EventCountAsync(Guid id) => CountAsync("job_events", "job_id = @id", id);

    /// <summary>updated_at as microseconds since the epoch, from either store.</summary>
    public Task<long> UpdatedAtAsync(Guid id) => Provider == Provider.Postgres
        ? ScalarAsync<long>("SELECT (extract(epoch FROM updated_at) * 1000000)::bigint FROM jobs WHERE id = @id", id)
        : ScalarAsync<long>("SELECT updated_at FROM jobs WHERE id = @id", id);

    private DbConnection Open() => Provider == Provider.Postgres
        ? new NpgsqlConnection(ConnectionString)
        : new SqliteConnection(ConnectionString);
}
