using System.Data.Common;
using Microsoft.Extensions.Time.Testing;

namespace Conveyor.Storage.Tests;

/// <summary>
/// A fresh, empty, migrated-on-demand database for one test, the store under test over it, a clock the test
/// moves by hand, and raw SQL that reads the tables directly, so assertions never trust the store's own readers.
/// </summary>
public abstract class StoreHarness : IAsyncDisposable
{
    /// <summary>Where every test's clock starts: a whole second, far from any real "now".</summary>
    public static readonly DateTimeOffset Epoch = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);

    private readonly List<IJobStore> _stores = [];

    public FakeTimeProvider Clock { get; } = new(Epoch);

    /// <summary>The store the test talks to.</summary>
    public IJobStore Store => _stores[0];

    /// <summary>Another store over the same database and clock: another process (SQLite) or node (PostgreSQL).</summary>
    public IJobStore OpenAnotherStore(IReadOnlyList<TypeLimit>? limits = null)
    {
        var store = CreateStore(limits);
        _stores.Add(store);
        return store;
    }

    protected void Start() => OpenAnotherStore();

    protected abstract IJobStore CreateStore(IReadOnlyList<TypeLimit>? limits);

    /// <summary>The versions of the driver's embedded migrations, in order.</summary>
    public abstract IReadOnlyList<int> MigrationVersions { get; }

    protected abstract Task<DbConnection> OpenConnectionAsync(CancellationToken ct);

    /// <summary>How this database binds a job id.</summary>
    protected abstract object IdValue(Guid id);

    protected abstract DateTimeOffset? ReadTime(DbDataReader reader, int ordinal);

    protected abstract Guid? ReadId(DbDataReader reader, int ordinal);

    protected abstract Task DropDatabaseAsync();

    public async Task<DbJobRow?> FindJobRowAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await OpenConnectionAsync(ct);
        await using var command = Command(connection, """
            SELECT status, attempt, max_attempts, scheduled_at, created_at, started_at, completed_at, updated_at,
                   cancel_requested_at, lease_owner, lease_expires_at, error, records_processed, records_failed,
                   records_total, retry_of
            FROM jobs WHERE id = @id
            """, ("@id", IdValue(id)));
        await using var r = await command.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct)) return null;
        return new DbJobRow(
            r.GetString(0), Convert.ToInt32(r.GetValue(1)), Convert.ToInt32(r.GetValue(2)),
            ReadTime(r, 3)!.Value, ReadTime(r, 4)!.Value, ReadTime(r, 5), ReadTime(r, 6), ReadTime(r, 7)!.Value,
            ReadTime(r, 8), r.IsDBNull(9) ? null : r.GetString(9), ReadTime(r, 10), r.IsDBNull(11) ? null : r.GetString(11),
            Convert.ToInt64(r.GetValue(12)), Convert.ToInt64(r.GetValue(13)), r.IsDBNull(14) ? null : Convert.ToInt64(r.GetValue(14)),
            ReadId(r, 15));
    }

    public async Task<DbJobRow> JobRowAsync(Guid id, CancellationToken ct) =>
        await FindJobRowAsync(id, ct) ?? throw new InvalidOperationException($"No jobs row with id {id}.");

    public async Task<IReadOnlyList<DbEventRow>> EventRowsAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await OpenConnectionAsync(ct);
        await using var command = Command(connection,
            "SELECT id, type, from_status, to_status, at, actor FROM job_events WHERE job_id = @id ORDER BY id", ("@id", IdValue(id)));
        await using var r = await command.ExecuteReaderAsync(ct);
        var rows = new List<DbEventRow>();
        while (await r.ReadAsync(ct))
        {
            rows.Add(new DbEventRow(Convert.ToInt64(r.GetValue(0)), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2),
                r.IsDBNull(3) ? null : r.GetString(3), ReadTime(r, 4)!.Value, r.GetString(5)));
        }
        return rows;
    }

    /// <summary>The SQL that drops the append-only triggers of <c>audit_events</c>, as an attacker with the database would.</summary>
    public abstract string DropAuditTriggersSql { get; }

    /// <summary>Runs raw SQL (for tamper tests), returning the rows it changed.</summary>
    public async Task<int> ExecuteAsync(string sql, CancellationToken ct)
    {
        await using var connection = await OpenConnectionAsync(ct);
        await using var command = Command(connection, sql);
        return await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The <c>audit_id</c> of each of the job's events, oldest first.</summary>
    public async Task<IReadOnlyList<Guid?>> EventAuditIdsAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await OpenConnectionAsync(ct);
        await using var command = Command(connection, "SELECT audit_id FROM job_events WHERE job_id = @id ORDER BY id", ("@id", IdValue(id)));
        await using var r = await command.ExecuteReaderAsync(ct);
        var ids = new List<Guid?>();
        while (await r.ReadAsync(ct)) ids.Add(ReadId(r, 0));
        return ids;
    }

    /// <summary>The first column of the first row of <paramref name="sql"/>, as text (plans, settings).</summary>
    public async Task<string> ScalarTextAsync(string sql, CancellationToken ct)
    {
        await using var connection = await OpenConnectionAsync(ct);
        await using var command = Command(connection, sql);
        return Convert.ToString(await command.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture) ?? "";
    }

    public async Task<long> CountJobsAsync(CancellationToken ct) => await ScalarAsync("SELECT count(*) FROM jobs", ct);

    public async Task<long> CountEventsAsync(CancellationToken ct) => await ScalarAsync("SELECT count(*) FROM job_events", ct);

    /// <summary>Rows in <c>records</c> for the job, and how many distinct row numbers they have.</summary>
    public async Task<(long Rows, long Distinct)> CountRecordsAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await OpenConnectionAsync(ct);
        await using var command = Command(connection, "SELECT count(*), count(DISTINCT row_number) FROM records WHERE job_id = @id",
            ("@id", IdValue(id)));
        await using var r = await command.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return (Convert.ToInt64(r.GetValue(0)), Convert.ToInt64(r.GetValue(1)));
    }

    /// <summary>The ids of jobs whose <c>retry_of</c> is <paramref name="id"/>.</summary>
    public async Task<IReadOnlyList<Guid>> RetriesOfAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await OpenConnectionAsync(ct);
        await using var command = Command(connection, "SELECT id FROM jobs WHERE retry_of = @id", ("@id", IdValue(id)));
        await using var r = await command.ExecuteReaderAsync(ct);
        var ids = new List<Guid>();
        while (await r.ReadAsync(ct)) ids.Add(ReadId(r, 0)!.Value);
        return ids;
    }

    /// <summary>Rows of <c>schema_migrations</c>: version and how many rows carry it.</summary>
    public async Task<IReadOnlyList<(int Version, long Rows)>> MigrationRowsAsync(CancellationToken ct)
    {
        await using var connection = await OpenConnectionAsync(ct);
        await using var command = Command(connection, "SELECT version, count(*) FROM schema_migrations GROUP BY version ORDER BY version");
        await using var r = await command.ExecuteReaderAsync(ct);
        var rows = new List<(int, long)>();
        while (await r.ReadAsync(ct)) rows.Add((Convert.ToInt32(r.GetValue(0)), Convert.ToInt64(r.GetValue(1))));
        return rows;
    }

    private async Task<long> ScalarAsync(string sql, CancellationToken ct)
    {
        await using var connection = await OpenConnectionAsync(ct);
        await using var command = Command(connection, sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct));
    }

    private static DbCommand Command(DbConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }
        return command;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _stores)
        {
            switch (store)
            {
                case IAsyncDisposable asyncDisposable: await asyncDisposable.DisposeAsync(); break;
                case IDisposable disposable: disposable.Dispose(); break;
            }
        }
        await DropDatabaseAsync();
        GC.SuppressFinalize(this);
    }
}
