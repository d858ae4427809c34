using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Conveyor.Bench;

/// <summary>
/// The SQLite drain baseline: a loop of single-row "insert, then update" transactions on a WAL database with
/// the store's own settings (synchronous = FULL) — the least a queue must do per job, done one job at a time.
/// </summary>
public static class SqliteBaseline
{
    public static async Task<int> RunAsync(BenchOptions options)
    {
        var directory = BenchStores.FreshDirectory(Path.Combine(Path.GetTempPath(), "conveyor-bench-baseline"));
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(directory, "baseline.db")}");
        await connection.OpenAsync();
        await using (var setup = connection.CreateCommand())
        {
            setup.CommandText = """
                PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
                CREATE TABLE t (id INTEGER PRIMARY KEY, status TEXT NOT NULL, updated_at INTEGER NOT NULL);
                """;
            await setup.ExecuteNonQueryAsync();
        }

        await using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO t (id, status, updated_at) VALUES (@id, 'queued', @at)";
        var insertId = insert.Parameters.Add("@id", SqliteType.Integer);
        var insertAt = insert.Parameters.Add("@at", SqliteType.Integer);
        await using var update = connection.CreateCommand();
        update.CommandText = "UPDATE t SET status = 'succeeded', updated_at = @at WHERE id = @id";
        var updateId = update.Parameters.Add("@id", SqliteType.Integer);
        var updateAt = update.Parameters.Add("@at", SqliteType.Integer);

        var clock = Stopwatch.StartNew();
        for (var i = 0; i < options.N; i++)
        {
            await using var tx = connection.BeginTransaction(deferred: false);
            insert.Transaction = tx;
            update.Transaction = tx;
            insertId.Value = i;
            insertAt.Value = clock.ElapsedTicks;
            await insert.ExecuteNonQueryAsync();
            updateId.Value = i;
            updateAt.Value = clock.ElapsedTicks;
            await update.ExecuteNonQueryAsync();
            await tx.CommitAsync();
        }
        var elapsed = clock.Elapsed;
        Console.WriteLine($"RESULT bench=sqlite-baseline n={options.N} seconds={elapsed.TotalSeconds:F2} tx_per_sec={options.N / elapsed.TotalSeconds:F0}");
        return 0;
    }
}
