using System.Data.Common;
using Conveyor.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Conveyor.Storage.Tests;

/// <summary>A SQLite file of its own in a temp directory.</summary>
public sealed class SqliteStoreHarness : StoreHarness
{
    private readonly string _directory;
    private readonly string _file;

    public SqliteStoreHarness()
    {
        _directory = Path.Combine(Path.GetTempPath(), "conveyor-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
        _file = Path.Combine(_directory, "conveyor.db");
        Start();
    }

    public override IReadOnlyList<int> MigrationVersions => SqliteJobStore.Migrations.Select(m => m.Version).ToList();

    protected override IJobStore CreateStore(IReadOnlyList<TypeLimit>? limits) =>
        new SqliteJobStore($"Data Source={_file}", Clock, NullLogger<SqliteJobStore>.Instance, limits);

    protected override async Task<DbConnection> OpenConnectionAsync(CancellationToken ct)
    {
        var connection = new SqliteConnection($"Data Source={_file};Pooling=False;Mode=ReadWrite");
        await connection.OpenAsync(ct);
        return connection;
    }

    public override string DropAuditTriggersSql => "DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete";

    protected override object IdValue(Guid id) => id.ToString();

    protected override DateTimeOffset? ReadTime(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : Microseconds.FromUnixTimeMicroseconds(reader.GetInt64(ordinal));

    protected override Guid? ReadId(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : Guid.Parse(reader.GetString(ordinal));

    protected override Task DropDatabaseAsync()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still open elsewhere: the temp directory is cleaned by the OS.
        }
        return Task.CompletedTask;
    }
}
