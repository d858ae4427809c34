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

    /// <summary>
    /// Removes everything a previous run left, so every run starts from an empty, freshly migrated database. On
    /// PostgreSQL the whole schema goes: a list of tables fell behind the migrations (bench/run.sh runs latency and
    /// then drain on one database, and the second run's migrations met the first run's audit and record tables).
    /// </summary>
    public static async Task ResetAsync(BenchOptions options)
    {
        if (options.Provider == "postgres")
        {
            await using var connection = new NpgsqlConnection(options.Connection);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("DROP SCHEMA public CASCADE; CREATE SCHEMA public", connection);
            await command.ExecuteNonQueryAsync();
        }
        else
        {
            FreshDirectory(Path.GetDirectoryName(DefaultSqlitePath())!);
        }
    }

    /// <summary>Creates <paramref name="directory"/> empty (removing what a previous run left there) and returns it.</summary>
    public static string FreshDirectory(string directory)
    {
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        Directory.CreateDirectory(directory);
        return directory;
    }

    public static ILoggerFactory Quiet() => LoggerFactory.Create(b => b.AddConsole().SetMinimumLevel(LogLevel.Warning));
}
