using Conveyor.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Conveyor.Storage.Tests;

/// <summary>Migrations 0005 (records keyed by load) and 0006 (rows in chunks) on a database that holds rows of the old layout.</summary>
public sealed class SqliteRecordMigrationTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "conveyor-tests", Guid.NewGuid().ToString("N"));
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(1));
    private CancellationToken Ct => _timeout.Token;

    public SqliteRecordMigrationTests() => Directory.CreateDirectory(_directory);

    [Fact]
    public async Task Rows_loaded_before_the_load_key_keep_their_job_dataset_and_order()
    {
        var file = Path.Combine(_directory, "conveyor.db");
        var (first, second) = (Guid.NewGuid(), Guid.NewGuid());
        await using (var connection = new SqliteConnection($"Data Source={file};Pooling=False"))
        {
            await connection.OpenAsync(Ct);
            await using var command = connection.CreateCommand();
            var before = SqliteJobStore.Migrations.Where(m => m.Version <= 4);
            // Old rows only, without their jobs: record_columns would otherwise want a job row.
            command.CommandText = "PRAGMA foreign_keys = OFF; CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL);"
                + string.Concat(before.Select(m => $"{m.Sql};\nINSERT INTO schema_migrations VALUES ({m.Version}, '{m.Name}', 0);\n"))
                + $$"""
                   INSERT INTO records VALUES ('{{first}}', 1, 'old', '["a"]'), ('{{first}}', 2, 'old', '["b"]'), ('{{second}}', 1, 'other', '{"x":1}');
                   INSERT INTO record_columns VALUES ('{{first}}', '["c"]');
                   """;
            await command.ExecuteNonQueryAsync(Ct);
        }

        var store = new SqliteJobStore($"Data Source={file}", TimeProvider.System, NullLogger<SqliteJobStore>.Instance);
        await store.MigrateAsync(Ct);

        var rows = await store.ListRecordsAsync(new RecordQuery { JobId = first, Limit = 10 }, Ct);
        Assert.Equal([(first, 1L, "old", """{"c":"a"}"""), (first, 2L, "old", """{"c":"b"}""")],
            rows.Select(r => (r.JobId, r.RowNumber, r.Dataset, r.Data.Replace(" ", ""))));
        var other = Assert.Single(await store.ListRecordsAsync(new RecordQuery { JobId = second, Limit = 10 }, Ct));
        Assert.Equal(("other", """{"x":1}"""), (other.Dataset, other.Data.Replace(" ", "")));

        // And the records view (migration 0006 packs rows in chunks) still answers as the table did.
        await using var reading = new SqliteConnection($"Data Source={file};Pooling=False");
        await reading.OpenAsync(Ct);
        await using var view = reading.CreateCommand();
        view.CommandText = "SELECT group_concat(dataset || ' ' || row_number || ' ' || data, '; ') FROM (SELECT * FROM records ORDER BY job_id = $first DESC, row_number)";
        view.Parameters.AddWithValue("$first", first.ToString());
        Assert.Equal("""old 1 ["a"]; old 2 ["b"]; other 1 {"x":1}""", await view.ExecuteScalarAsync(Ct));
    }

    public void Dispose()
    {
        _timeout.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
