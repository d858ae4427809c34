using Conveyor.Storage.Postgres;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Conveyor.Storage.Tests;

/// <summary>Migration 0005 (rows in chunks) on a database that already holds rows of the old layout.</summary>
public sealed class PostgresRecordMigrationTests : IAsyncDisposable
{
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(1));
    private readonly string _server = Environment.GetEnvironmentVariable(PostgresStoreHarness.Variable)
        ?? throw new InvalidOperationException($"{PostgresStoreHarness.Variable} is not set; run ./test.sh.");
    private readonly string _database = "conveyor_m_" + Guid.NewGuid().ToString("N");
    private CancellationToken Ct => _timeout.Token;

    [Fact]
    public async Task Rows_loaded_before_chunks_keep_their_job_dataset_order_and_columns()
    {
        await ExecuteAsync(_server, $"CREATE DATABASE {_database} TEMPLATE template0 ENCODING 'UTF8'");
        var connectionString = new NpgsqlConnectionStringBuilder(_server) { Database = _database }.ConnectionString;
        var (first, second) = (Guid.NewGuid(), Guid.NewGuid());
        var before = PostgresJobStore.Migrations.Where(m => m.Version <= 4);
        // Old rows only, without their jobs: record_loads would otherwise want a job row (its foreign key is dropped).
        await ExecuteAsync(connectionString,
            "CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL);"
            + string.Concat(before.Select(m => $"{m.Sql};\nINSERT INTO schema_migrations VALUES ({m.Version}, '{m.Name}', now());\n"))
            + $$"""
               ALTER TABLE record_loads DROP CONSTRAINT record_loads_job_id_fkey;
               INSERT INTO records VALUES ('{{first}}', 2, 'old', '["b"]'), ('{{first}}', 1, 'old', '["a"]'), ('{{second}}', 1, 'other', '{"x":1}');
               INSERT INTO record_loads VALUES ('{{first}}', '["c"]', now()), ('{{second}}', NULL, now());
               """);

        await using (var dataSource = NpgsqlDataSource.Create(connectionString))
        {
            var store = new PostgresJobStore(dataSource, TimeProvider.System, NullLogger<PostgresJobStore>.Instance);
            await store.MigrateAsync(Ct);

            var rows = await store.ListRecordsAsync(new RecordQuery { JobId = first, Limit = 10 }, Ct);
            Assert.Equal([(first, 1L, "old", """{"c":"a"}"""), (first, 2L, "old", """{"c":"b"}""")],
                rows.Select(r => (r.JobId, r.RowNumber, r.Dataset, r.Data)));
            var after = Assert.Single(await store.ListRecordsAsync(new RecordQuery { JobId = first, After = (first, 1), Limit = 10 }, Ct));
            Assert.Equal(2, after.RowNumber);
            var other = Assert.Single(await store.ListRecordsAsync(new RecordQuery { JobId = second, Limit = 10 }, Ct));
            Assert.Equal(("other", """{"x":1}"""), (other.Dataset, other.Data.Replace(" ", "")));

            // The records view still answers as the table did.
            await using var command = dataSource.CreateCommand(
                "SELECT string_agg(concat_ws(' ', dataset, row_number, data::text), '; ' ORDER BY job_id = @first DESC, row_number) FROM records");
            command.Parameters.AddWithValue("first", first);
            Assert.Equal("""old 1 ["a"]; old 2 ["b"]; other 1 {"x":1}""", await command.ExecuteScalarAsync(Ct));
        }
    }

    private async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Ct);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await ExecuteAsync(_server, $"DROP DATABASE IF EXISTS {_database} WITH (FORCE)");
        _timeout.Dispose();
    }
}
