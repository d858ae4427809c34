using Conveyor.Storage;
using Conveyor.Storage.Postgres;
using Conveyor.Storage.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Conveyor.Bench;

/// <summary>Fresh, migrated stores for a run: a new SQLite file, or a PostgreSQL database emptied first.</summary>
public static class BenchStores
{
    public static async Task<IJobStore> OpenAsync(BenchOptions options, string? sqlitePath = null)
    {
        IJobStore store;
        if (options.Provider == "postgres")
        {
            var connection = options.Connection ?? throw new InvalidOperationException("--connection or BENCH_PG is required for postgres.");
            store = new PostgresJobStore(NpgsqlDataSource.Create(connection), TimeProvider.System, NullLogger<PostgresJobStore>.Instance);
        }
        else
        {
            store = new SqliteJobStore($"Data Source={sqlitePath ?? DefaultSqlitePath()}", TimeProvider.System, NullLogger<SqliteJobStore>.Instance);
        }
        await store.MigrateAsync(CancellationToken.None);
        return store;
    }

    public static string DefaultSqlitePath() => Path.Combine(Path.GetTempPath(), "conveyor-bench", "conveyor.db");

    /// <summary>Empties the jobs of a previous run, so every run starts from the same table.</summary>
    public static async Task ResetAsync(BenchOptions options)
    {
        if (options.Provider == "postgres")
        {
            await using var connection = new NpgsqlConnection(options.Connection);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                "DROP TABLE IF EXISTS job_events, jobs, api_keys, schema_migrations CASCADE", connection);
            await command.ExecuteNonQueryAsync();
        }
        else
        {
            var directory = Path.GetDirectoryName(DefaultSqlitePath())!;
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
            Directory.CreateDirectory(directory);
        }
    }

    public static ILoggerFactory Quiet() => LoggerFactory.Create(b => b.AddConsole().SetMinimumLevel(LogLevel.Warning));
}
