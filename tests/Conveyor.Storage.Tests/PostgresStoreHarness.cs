using System.Data.Common;
using Conveyor.Storage.Postgres;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Conveyor.Storage.Tests;

/// <summary>A database <c>conveyor_t_&lt;guid&gt;</c> created for one test on the server named by CONVEYOR_TEST_POSTGRES, and dropped after.</summary>
public sealed class PostgresStoreHarness : StoreHarness
{
    public const string Variable = "CONVEYOR_TEST_POSTGRES";

    private readonly string _serverConnectionString;
    private readonly string _database;
    private readonly string _connectionString;
    private readonly List<NpgsqlDataSource> _dataSources = [];
    private readonly NpgsqlDataSource _raw;

    private PostgresStoreHarness(string serverConnectionString, string database)
    {
        _serverConnectionString = serverConnectionString;
        _database = database;
        _connectionString = new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = database }.ConnectionString;
        _raw = NpgsqlDataSource.Create(_connectionString);
        Start();
    }

    /// <summary>The test database's connection string, for drivers' classes of their own (the leader election).</summary>
    public string ConnectionString => _connectionString;

    /// <summary>Creates the database; fails (never skips) when the server is not configured.</summary>
    public static async Task<PostgresStoreHarness> CreateAsync(CancellationToken ct)
    {
        var server = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(server))
        {
            throw new InvalidOperationException(
                $"{Variable} is not set, so the PostgreSQL half of the IJobStore contract cannot run. " +
                "Run ./test.sh: it starts a throwaway PostgreSQL cluster and exports the connection string. " +
                $"(Or export {Variable}=\"Host=127.0.0.1;Port=…;Username=postgres;Database=postgres\" for a server of your own.)");
        }
        var database = "conveyor_t_" + Guid.NewGuid().ToString("N");
        await using (var admin = new NpgsqlConnection(server))
        {
            await admin.OpenAsync(ct);
            await using var create = new NpgsqlCommand($"CREATE DATABASE {database} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'", admin);
            await create.ExecuteNonQueryAsync(ct);
        }
        return new PostgresStoreHarness(server, database);
    }

    public override IReadOnlyList<int> MigrationVersions => PostgresJobStore.Migrations.Select(m => m.Version).ToList();

    protected override IJobStore CreateStore(IReadOnlyList<TypeLimit>? limits)
    {
        var dataSource = NpgsqlDataSource.Create(_connectionString);
        _dataSources.Add(dataSource);
        return new PostgresJobStore(dataSource, Clock, NullLogger<PostgresJobStore>.Instance, limits);
    }

    protected override async Task<DbConnection> OpenConnectionAsync(CancellationToken ct) => await _raw.OpenConnectionAsync(ct);

    public override string DropAuditTriggersSql => "DROP TRIGGER audit_events_no_update_delete ON audit_events";

    protected override object IdValue(Guid id) => id;

    protected override DateTimeOffset? ReadTime(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : new DateTimeOffset(reader.GetFieldValue<DateTime>(ordinal), TimeSpan.Zero);

    protected override Guid? ReadId(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetGuid(ordinal);

    protected override async Task DropDatabaseAsync()
    {
        foreach (var dataSource in _dataSources) await dataSource.DisposeAsync();
        await _raw.DisposeAsync();
        await using var admin = new NpgsqlConnection(_serverConnectionString);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_database} WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }
}
