using System.Data.Common;
using Conveyor.Core;
using Conveyor.Storage.Driver;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Conveyor.Storage.Sqlite;

/// <summary>
/// The embedded store: one SQLite file in WAL mode. Writers are serialized in-process (SQLite has one
/// writer at a time anyway) and every write transaction starts with <c>BEGIN IMMEDIATE</c>, so a second
/// process on the same file waits on the busy timeout instead of failing half-way. Status changes are the shared
/// <see cref="StoreOrchestration"/> over this driver's transactions (<see cref="SqliteWriteTransaction"/>).
/// </summary>
public sealed partial class SqliteJobStore : IJobStore, IApiKeyStore, IAuditStore, IRecordStore, ITypeControl, IScheduleStore, ISessionStore, IDemoData, IJobRetention, IJobStatistics, INodeRegistry, IJobStats, IJobLog, IStoreDriver, IDisposable
{
    private const string Prefix = "Conveyor.Storage.Sqlite.Migrations.";

    /// <summary>This driver's embedded migrations, in version order.</summary>
    public static IReadOnlyList<Migration> Migrations => Migration.Load(typeof(SqliteJobStore).Assembly, Prefix);

    private readonly string _connectionString;
    private readonly string _loadConnectionString;
    private readonly TimeProvider _time;
    private readonly ILogger<SqliteJobStore> _logger;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly QueueSignalHub _signals = new();
    private readonly StoreOrchestration _orchestration;

    private readonly string _limitsJson;
    private readonly HashSet<string> _rateLimited;

    /// <param name="limits">The per-type ceilings the claims keep.</param>
    public SqliteJobStore(string connectionString, TimeProvider time, ILogger<SqliteJobStore> logger, IReadOnlyList<TypeLimit>? limits = null)
    {
        var limited = (limits ?? []).Where(l => l.Concurrency is not null || l.RatePerMinute is not null).ToList();
        _limitsJson = System.Text.Json.JsonSerializer.Serialize(limited.Select(l => new Dictionary<string, object?>
        {
            ["type"] = l.Type,
            ["concurrency"] = l.Concurrency,
            ["rate"] = l.RatePerMinute,
        }));
        _rateLimited = limited.Where(l => l.RatePerMinute is not null).Select(l => l.Type).ToHashSet(StringComparer.Ordinal);
        var builder = new SqliteConnectionStringBuilder(connectionString)
        {
            Pooling = true,
            DefaultTimeout = 30,
        };
        if (builder.DataSource is { Length: > 0 } path && path != ":memory:" && builder.Mode != SqliteOpenMode.Memory)
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        }
        _connectionString = builder.ToString();
        // A load's own connection, outside the pool: its prepared insert and page cache go when the load ends.
        _loadConnectionString = new SqliteConnectionStringBuilder(_connectionString) { Pooling = false }.ToString();
        _time = time;
        _logger = logger;
        _orchestration = new StoreOrchestration(this, time);
    }

    QueueSignalHub IStoreDriver.Signals => _signals;

    async Task<IDriverTransaction> IStoreDriver.BeginAsync(CancellationToken ct) => await SqliteWriteTransaction.StartAsync(_writeLock, OpenAsync, ct);

    private DateTimeOffset Now() => _time.GetUtcNow().Truncate();

    private Task<SqliteConnection> OpenAsync(CancellationToken ct) => OpenAsync(_connectionString, ct);

    private static async Task<SqliteConnection> OpenAsync(string connectionString, CancellationToken ct)
    {
        var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var pragma = connection.CreateCommand();
        // journal_size_limit: after a checkpoint the WAL is cut back to 64 MiB, instead of keeping the size of the
        // largest load it ever held.
        pragma.CommandText = "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 30000; PRAGMA journal_size_limit = 67108864;";
        await pragma.ExecuteNonQueryAsync(ct);
        return connection;
    }

    /// <summary>Runs <paramref name="work"/> in a <c>BEGIN IMMEDIATE</c> transaction under the in-process write lock.</summary>
    private async Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, Task<T>> work, CancellationToken ct)
    {
        await _writeLock.WaitAsync(ct);
        try
        {
            await using var connection = await OpenAsync(ct);
            return await TransactAsync(connection, work, ct);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>As <see cref="WriteAsync{T}"/>, on a connection the caller holds (a load keeps one for all its batches).</summary>
    private async Task<T> WriteOnAsync<T>(SqliteConnection connection, Func<SqliteConnection, SqliteTransaction, Task<T>> work,
        CancellationToken ct)
    {
        await _writeLock.WaitAsync(ct);
        try
        {
            return await TransactAsync(connection, work, ct);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private static async Task<T> TransactAsync<T>(SqliteConnection connection, Func<SqliteConnection, SqliteTransaction, Task<T>> work,
        CancellationToken ct)
    {
        await using var tx = connection.BeginTransaction(deferred: false);
        var result = await work(connection, tx);
        await tx.CommitAsync(ct);
        return result;
    }

    public async Task MigrateAsync(CancellationToken ct)
    {
        await using (var connection = await OpenAsync(ct))
        {
            // Incremental auto-vacuum, so a purge can hand its pages back (PurgeRecordsAsync). A file made before it
            // (or a new one) is rebuilt once by VACUUM, which must run outside a transaction, hence here and not in a
            // numbered migration.
            await using var mode = connection.CreateCommand();
            mode.CommandText = "PRAGMA auto_vacuum";
            if (Convert.ToInt64(await mode.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture) != 2)
            {
                _logger.LogInformation("Turning on SQLite incremental auto-vacuum (VACUUM, once)");
                mode.CommandText = "PRAGMA auto_vacuum = INCREMENTAL; VACUUM;";
                await mode.ExecuteNonQueryAsync(ct);
            }
            mode.CommandText = "PRAGMA journal_mode = WAL;";
            await mode.ExecuteNonQueryAsync(ct);
        }

        await WriteAsync(async (connection, tx) =>
        {
            await ExecuteAsync(connection, tx,
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)", ct);
            var applied = new HashSet<long>();
            await using (var select = Command(connection, tx, "SELECT version FROM schema_migrations"))
            await using (var reader = await select.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct)) applied.Add(reader.GetInt64(0));
            }
            foreach (var migration in Migrations.Where(m => !applied.Contains(m.Version)))
            {
                _logger.LogInformation("Applying SQLite migration {Version} {Name}", migration.Version, migration.Name);
                await ExecuteAsync(connection, tx, migration.Sql, ct);
                await using var record = Command(connection, tx,
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@v, @n, @at)");
                record.Parameters.AddWithValue("@v", migration.Version);
                record.Parameters.AddWithValue("@n", migration.Name);
                record.Parameters.AddWithValue("@at", Now().ToUnixTimeMicroseconds());
                await record.ExecuteNonQueryAsync(ct);
            }
            return 0;
        }, ct);
    }

    public async Task PingAsync(CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM schema_migrations";
        await command.ExecuteScalarAsync(ct);
    }

    public Task<CreateOutcome> CreateAsync(NewJob job, AuditContext audit, CancellationToken ct) => _orchestration.CreateAsync(job, audit, ct);

    public Task<IReadOnlyList<Job>> CreateBatchAsync(IReadOnlyList<NewJob> jobs, AuditContext audit, CancellationToken ct) =>
        _orchestration.CreateBatchAsync(jobs, audit, ct);

    public async Task<Job?> GetAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {JobColumns.All} FROM jobs WHERE id = @id";
        command.Parameters.AddWithValue("@id", id.ToString());
        var jobs = await SqliteRows.ReadJobsAsync(command, ct);
        return jobs.Count == 0 ? null : jobs[0];
    }

    /// <summary>
    /// The search: the FTS5 trigram table <c>job_search</c> (migration 0008) matches a phrase as a substring, case-insensitively;
    /// the text is quoted as one FTS5 string, so none of it is read as query syntax.
    /// </summary>
    internal static readonly JobSearchSql Search = new(
        "id IN (SELECT job_id FROM job_search WHERE job_search MATCH @search)",
        text => "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"");

    internal static readonly JobIdsSql Ids = new("id IN (SELECT value FROM json_each(@ids))",
        ids => System.Text.Json.JsonSerializer.Serialize(ids.Select(i => i.ToString())));

    private static JobListSql ListSql(JobQuery query) => new(query, t => t.ToUnixTimeMicroseconds(), g => g.ToString(), Search, Ids);

    private static string CountSql(JobListSql sql, JobQuery query) => query.CountLimit is null
        ? $"SELECT count(*) FROM jobs WHERE {sql.Filter}"
        : $"SELECT count(*) FROM (SELECT 1 FROM jobs WHERE {sql.Filter} LIMIT @count_limit)";

    public async Task<JobPage> ListAsync(JobQuery query, CancellationToken ct)
    {
        var sql = ListSql(query);
        await using var connection = await OpenAsync(ct);
        // One read transaction, so the total and the page see the same snapshot.
        await using var tx = connection.BeginTransaction(deferred: true);

        await using var count = Command(connection, tx, CountSql(sql, query));
        foreach (var (name, value) in sql.FilterParameters) count.Parameters.AddWithValue("@" + name, value);
        if (query.CountLimit is not null) count.Parameters.AddWithValue("@count_limit", JobListSql.CountLimitValue(query));
        var total = (long)(await count.ExecuteScalarAsync(ct))!;

        await using var page = Command(connection, tx,
            $"SELECT {JobColumns.All} FROM jobs WHERE {sql.PageFilter} ORDER BY {sql.OrderBy} LIMIT @limit OFFSET @offset");
        foreach (var (name, value) in sql.PageParameters) page.Parameters.AddWithValue("@" + name, value);
        page.Parameters.AddWithValue("@limit", query.Limit + 1);
        page.Parameters.AddWithValue("@offset", query.RowOffset);
        var rows = await SqliteRows.ReadJobsAsync(page, ct);
        await tx.CommitAsync(ct);
        return JobPages.From(rows, total, query);
    }

    public async Task<IReadOnlyList<Job>> ListChangedAsync(IReadOnlyCollection<Guid> ids, DateTimeOffset since, CancellationToken ct)
    {
        if (ids.Count == 0) return [];
        await using var connection = await OpenAsync(ct);
        await using var command = connection.CreateCommand();
        var names = new List<string>(ids.Count);
        foreach (var id in ids)
        {
            names.Add("@p" + names.Count);
            command.Parameters.AddWithValue(names[^1], id.ToString());
        }
        command.CommandText = $"SELECT {JobColumns.All} FROM jobs WHERE id IN ({string.Join(", ", names)}) AND updated_at > @since";
        command.Parameters.AddWithValue("@since", since.ToUnixTimeMicroseconds());
        return await SqliteRows.ReadJobsAsync(command, ct);
    }

    public async Task<long> CountAsync(JobQuery filter, CancellationToken ct)
    {
        var sql = ListSql(filter);
        await using var connection = await OpenAsync(ct);
        await using var count = connection.CreateCommand();
        count.CommandText = CountSql(sql, filter with { CountLimit = null });
        foreach (var (name, value) in sql.FilterParameters) count.Parameters.AddWithValue("@" + name, value);
        return (long)(await count.ExecuteScalarAsync(ct))!;
    }

    public async Task<IReadOnlyList<JobGroupCount>> CountByAsync(JobQuery filter, JobCountField field, IReadOnlyList<string> values,
        CancellationToken ct)
    {
        if (values.Count == 0) return [];
        var sql = ListSql(filter);
        var column = JobGroupCount.Column(field);
        await using var connection = await OpenAsync(ct);
        if (filter.Ids is not null)
        {
            await using var grouped = connection.CreateCommand();
            grouped.CommandText = JobGroupCount.GroupedSql(field, sql.Filter);
            foreach (var (name, parameter) in sql.FilterParameters) grouped.Parameters.AddWithValue("@" + name, parameter);
            await using var rows = await grouped.ExecuteReaderAsync(ct);
            return await JobGroupCount.ReadGroupedAsync(rows, values, filter, ct);
        }
        // One read transaction, so the counts see the same snapshot; a statement per value costs no round trip here.
        await using var tx = connection.BeginTransaction(deferred: true);
        var counts = new List<JobGroupCount>(values.Count);
        foreach (var value in values)
        {
            await using var count = Command(connection, tx, filter.CountLimit is null
                ? $"SELECT count(*) FROM jobs WHERE {column} = @group_value AND {sql.Filter}"
                : $"SELECT count(*) FROM (SELECT 1 FROM jobs WHERE {column} = @group_value AND {sql.Filter} LIMIT @count_limit)");
            foreach (var (name, parameter) in sql.FilterParameters) count.Parameters.AddWithValue("@" + name, parameter);
            count.Parameters.AddWithValue("@group_value", value);
            if (filter.CountLimit is not null) count.Parameters.AddWithValue("@count_limit", JobListSql.CountLimitValue(filter));
            counts.Add(JobGroupCount.Of(value, (long)(await count.ExecuteScalarAsync(ct))!, filter));
        }
        await tx.CommitAsync(ct);
        return counts;
    }

    public async Task<IReadOnlyList<Guid>> ListIdsAsync(JobQuery filter, Guid? after, int limit, CancellationToken ct)
    {
        var sql = ListSql(filter);
        await using var connection = await OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT id FROM jobs WHERE {sql.Filter}{(after is null ? "" : " AND id > @after_id")} ORDER BY id LIMIT @limit";
        foreach (var (name, value) in sql.FilterParameters) command.Parameters.AddWithValue("@" + name, value);
        if (after is { } a) command.Parameters.AddWithValue("@after_id", a.ToString());
        command.Parameters.AddWithValue("@limit", limit);
        var ids = new List<Guid>(limit);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) ids.Add(Guid.Parse(reader.GetString(0)));
        return ids;
    }

    public async Task<IReadOnlyList<JobEvent>?> GetEventsAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var tx = connection.BeginTransaction(deferred: true);
        await using var exists = Command(connection, tx, "SELECT 1 FROM jobs WHERE id = @id");
        exists.Parameters.AddWithValue("@id", id.ToString());
        if (await exists.ExecuteScalarAsync(ct) is null) return null;

        await using var command = Command(connection, tx,
            "SELECT id, job_id, type, from_status, to_status, at, actor, audit_id, data FROM job_events WHERE job_id = @id ORDER BY id");
        command.Parameters.AddWithValue("@id", id.ToString());
        var events = new List<JobEvent>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            events.Add(new JobEvent(
                reader.GetInt64(0),
                Guid.Parse(reader.GetString(1)),
                reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                Microseconds.FromUnixTimeMicroseconds(reader.GetInt64(5)),
                reader.GetString(6),
                reader.IsDBNull(7) ? null : Guid.Parse(reader.GetString(7)),
                JobMetadata.Parse(reader.GetString(8))));
        }
        return events;
    }

    public async Task<Guid?> FindRetryAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id FROM jobs WHERE retry_of = @id";
        command.Parameters.AddWithValue("@id", id.ToString());
        return await command.ExecuteScalarAsync(ct) is string text ? Guid.Parse(text) : null;
    }

    public Task<OperationOutcome> ApplyAsync(Guid id, JobOperation operation, AuditContext audit, CancellationToken ct) =>
        _orchestration.ApplyAsync(id, operation, audit, ct);

    public Task<RetryAsNewOutcome> RetryAsNewAsync(Guid id, Func<Job, NewJob> buildRetry, AuditContext audit, CancellationToken ct) =>
        _orchestration.RetryAsNewAsync(id, buildRetry, audit, ct);

    public Task<BulkApplyOutcome> ApplyManyAsync(BulkApply bulk, CancellationToken ct) => _orchestration.ApplyManyAsync(bulk, ct);

    /// <summary>
    /// Due queued jobs by priority, then schedule, then age. A paused type is skipped, and so is a limited type with no
    /// room left (running jobs against its concurrency, starts of the last minute against its rate); a type with some
    /// room gives at most that many. The writer lock serializes claims, so no two count the same free place.
    /// </summary>
    private const string ClaimJobs = $"""
        WITH limits AS (
            SELECT json_extract(value, '$.type') AS type, json_extract(value, '$.concurrency') AS concurrency,
                   json_extract(value, '$.rate') AS rate
            FROM json_each(@limits)
        ), room AS (
            SELECT l.type, MIN(
                coalesce(l.concurrency - (SELECT count(*) FROM jobs r WHERE r.status = 'running' AND r.type = l.type), 2147483647),
                coalesce(l.rate - (SELECT count(*) FROM type_starts s WHERE s.type = l.type AND s.at > @now - 60000000), 2147483647)) AS room
            FROM limits l
        ), next AS (
            SELECT id, type, priority, scheduled_at, created_at FROM jobs
            WHERE status = 'queued' AND scheduled_at <= @now
              AND type NOT IN (SELECT type FROM type_pauses)
              AND type NOT IN (SELECT type FROM room WHERE room <= 0)
            ORDER BY priority DESC, scheduled_at, created_at
            LIMIT @max
        ), picked AS (
            SELECT n.id FROM (
                SELECT id, type, row_number() OVER (PARTITION BY type ORDER BY priority DESC, scheduled_at, created_at) AS rank FROM next) n
            LEFT JOIN room ON room.type = n.type
            WHERE room.room IS NULL OR n.rank <= room.room
        )
        UPDATE jobs
        SET status = 'running', attempt = attempt + 1, started_at = @now, completed_at = NULL,
            lease_owner = @owner, lease_expires_at = @lease, updated_at = MAX(@now, updated_at + 1)
        WHERE id IN (SELECT id FROM picked)
        RETURNING {JobColumns.All}
        """;

    private const string CountStart = "INSERT INTO type_starts (type, at) VALUES (@type, @now)";

    private const string ForgetStarts = "DELETE FROM type_starts WHERE at <= @now - 60000000";

    public async Task<IReadOnlyList<Job>> ClaimAsync(string owner, int max, TimeSpan lease, CancellationToken ct)
    {
        if (max <= 0) return [];
        return await WriteAsync(async (connection, tx) =>
        {
            var now = Now();
            await using var claim = Command(connection, tx, ClaimJobs);
            claim.Parameters.AddWithValue("@now", now.ToUnixTimeMicroseconds());
            claim.Parameters.AddWithValue("@owner", owner);
            claim.Parameters.AddWithValue("@lease", (now + lease).ToUnixTimeMicroseconds());
            claim.Parameters.AddWithValue("@max", max);
            claim.Parameters.AddWithValue("@limits", _limitsJson);
            var jobs = await SqliteRows.ReadJobsAsync(claim, ct);
            await using var events = new SqliteEventWriter(Command(connection, tx, SqliteEventWriter.Insert), auditId: null);
            foreach (var job in jobs)
            {
                await events.AppendAsync(job.Id, JobEventTypes.Started, JobStatusNames.Queued, JobStatusNames.Running, now,
                    WorkerActor(owner), $$"""{"attempt":{{job.Attempt}}}""", ct);
            }
            if (_rateLimited.Count > 0)
            {
                await using var forget = Command(connection, tx, ForgetStarts);
                forget.Parameters.AddWithValue("@now", now.ToUnixTimeMicroseconds());
                await forget.ExecuteNonQueryAsync(ct);
                foreach (var job in jobs.Where(j => _rateLimited.Contains(j.Type)))
                {
                    await using var count = Command(connection, tx, CountStart);
                    count.Parameters.AddWithValue("@type", job.Type);
                    count.Parameters.AddWithValue("@now", now.ToUnixTimeMicroseconds());
                    await count.ExecuteNonQueryAsync(ct);
                }
            }
            return (IReadOnlyList<Job>)jobs.OrderByDescending(j => j.Priority).ThenBy(j => j.ScheduledAt).ThenBy(j => j.CreatedAt).ToList();
        }, ct);
    }

    public async Task<IReadOnlyList<LeaseStop>> HeartbeatAsync(string owner, IReadOnlyCollection<Guid> ids, TimeSpan lease, CancellationToken ct)
    {
        if (ids.Count == 0) return [];
        return await WriteAsync(async (connection, tx) =>
        {
            var now = Now();
            await using var command = Command(connection, tx, """
                UPDATE jobs SET lease_expires_at = @lease
                WHERE id = @id AND lease_owner = @owner AND status = 'running'
                RETURNING cancel_requested_at IS NOT NULL
                """);
            command.Parameters.AddWithValue("@lease", (now + lease).ToUnixTimeMicroseconds());
            command.Parameters.AddWithValue("@owner", owner);
            var idParameter = command.Parameters.Add("@id", SqliteType.Text);
            var stop = new List<LeaseStop>();
            foreach (var id in ids)
            {
                idParameter.Value = id.ToString();
                // A job no longer leased by this owner (rescued, or finished elsewhere) must stop too.
                var result = await command.ExecuteScalarAsync(ct);
                if (result is null) stop.Add(LeaseStop.Lost(id));
                else if (Convert.ToInt64(result) == 1) stop.Add(LeaseStop.Cancel(id));
            }
            return (IReadOnlyList<LeaseStop>)stop;
        }, ct);
    }

    public Task<int> CompleteAsync(string owner, IReadOnlyList<Completion> completions, CancellationToken ct) =>
        _orchestration.CompleteAsync(owner, completions, ct);

    public async Task FlushProgressAsync(IReadOnlyList<ProgressUpdate> updates, CancellationToken ct)
    {
        if (updates.Count == 0) return;
        await using var tx = await SqliteWriteTransaction.StartAsync(_writeLock, OpenAsync, ct);
        await tx.WriteProgressAsync(new WriteProgressParams(updates, Now()), ct);
        await tx.CommitAsync(ct);
    }

    public Task<int> RescueExpiredAsync(int max, CancellationToken ct) => _orchestration.RescueExpiredAsync(max, ct);

    public Task<int> ReleaseAsync(string owner, IReadOnlyCollection<Guid> ids, CancellationToken ct) =>
        _orchestration.ReleaseAsync(owner, ids, ct);

    public Task<IQueueSignal> SubscribeAsync(CancellationToken ct) => Task.FromResult<IQueueSignal>(_signals.Subscribe());

    public Task<bool> PauseTypeAsync(string type, AuditContext audit, CancellationToken ct) =>
        _orchestration.SetTypePauseAsync(type, paused: true, audit, ct);

    public Task<bool> ResumeTypeAsync(string type, AuditContext audit, CancellationToken ct) =>
        _orchestration.SetTypePauseAsync(type, paused: false, audit, ct);

    public async Task<IReadOnlyList<TypePause>> ListPausedTypesAsync(CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT type, paused_at, paused_by FROM type_pauses ORDER BY type";
        await using var reader = await command.ExecuteReaderAsync(ct);
        var pauses = new List<TypePause>();
        while (await reader.ReadAsync(ct))
            pauses.Add(new TypePause(reader.GetString(0), Microseconds.FromUnixTimeMicroseconds(reader.GetInt64(1)), reader.GetString(2)));
        return pauses;
    }

    public Task<PrunedJobs> PruneFinishedAsync(DateTimeOffset before, int max, bool withRecords, CancellationToken ct) =>
        _orchestration.PruneFinishedAsync(before, max, withRecords, ct);

    public async Task<IReadOnlyList<string>> FindStoredPathsAsync(IReadOnlyList<string> paths, CancellationToken ct)
    {
        if (paths.Count == 0) return [];
        await using var connection = await OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT path FROM stored_files WHERE path IN (SELECT value FROM json_each(@paths))";
        command.Parameters.AddWithValue("@paths", System.Text.Json.JsonSerializer.Serialize(paths));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var found = new List<string>();
        while (await reader.ReadAsync(ct)) found.Add(reader.GetString(0));
        return found;
    }

    public async Task<JobStatistics> ReadJobStatisticsAsync(DateTimeOffset now, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT type, status, count(*) FROM jobs GROUP BY type, status ORDER BY type, status;
            SELECT type, count(*), min(scheduled_at) FROM jobs WHERE status = 'queued' AND scheduled_at <= @now GROUP BY type ORDER BY type;
            """;
        command.Parameters.AddWithValue("@now", now.ToUnixTimeMicroseconds());
        await using var reader = await command.ExecuteReaderAsync(ct);
        var counts = new List<JobCount>();
        while (await reader.ReadAsync(ct)) counts.Add(new JobCount(reader.GetString(0), reader.GetString(1), reader.GetInt64(2)));
        await reader.NextResultAsync(ct);
        var queues = new List<QueueDepth>();
        while (await reader.ReadAsync(ct)) queues.Add(new QueueDepth(reader.GetString(0), reader.GetInt64(1), Microseconds.FromUnixTimeMicroseconds(reader.GetInt64(2))));
        return new JobStatistics(counts, queues);
    }

    public async Task<IReadOnlyList<ScheduleRun>> ListScheduleRunsAsync(CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT name, last_tick, last_job_id, last_enqueued_at FROM schedule_runs ORDER BY name";
        await using var reader = await command.ExecuteReaderAsync(ct);
        var runs = new List<ScheduleRun>();
        while (await reader.ReadAsync(ct))
        {
            runs.Add(new ScheduleRun(reader.GetString(0), Microseconds.FromUnixTimeMicroseconds(reader.GetInt64(1)),
                reader.IsDBNull(2) ? null : Guid.Parse(reader.GetString(2)), SqliteRows.Time(reader, 3)));
        }
        return runs;
    }

    public async Task RecordScheduleRunAsync(ScheduleRun run, CancellationToken ct)
    {
        await WriteAsync(async (connection, tx) =>
        {
            await using var command = Command(connection, tx, """
                INSERT INTO schedule_runs (name, last_tick, last_job_id, last_enqueued_at) VALUES (@name, @tick, @job, @at)
                ON CONFLICT (name) DO UPDATE SET last_tick = excluded.last_tick,
                    last_job_id = coalesce(excluded.last_job_id, schedule_runs.last_job_id),
                    last_enqueued_at = coalesce(excluded.last_enqueued_at, schedule_runs.last_enqueued_at)
                WHERE schedule_runs.last_tick < excluded.last_tick
                """);
            command.Parameters.AddWithValue("@name", run.Name);
            command.Parameters.AddWithValue("@tick", run.LastTick.ToUnixTimeMicroseconds());
            command.Parameters.AddWithValue("@job", (object?)run.LastJobId?.ToString() ?? DBNull.Value);
            command.Parameters.AddWithValue("@at", (object?)run.LastEnqueuedAt?.ToUnixTimeMicroseconds() ?? DBNull.Value);
            return await command.ExecuteNonQueryAsync(ct);
        }, ct);
    }

    public async Task<long> CountKeysAsync(CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM api_keys";
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    public Task InsertKeyAsync(ApiKeyRecord key, AuditContext audit, CancellationToken ct) => _orchestration.InsertKeyAsync(key, audit, ct);

    public async Task<ApiKeyRecord?> FindKeyByPrefixAsync(string prefix, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {SqliteKeyRows.Columns} FROM api_keys WHERE prefix = @prefix";
        command.Parameters.AddWithValue("@prefix", prefix);
        var keys = await SqliteKeyRows.ReadAsync(command, ct);
        return keys.Count == 0 ? null : keys[0];
    }

    public async Task<IReadOnlyList<ApiKeyRecord>> ListKeysAsync(CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {SqliteKeyRows.Columns} FROM api_keys ORDER BY created_at, id";
        return await SqliteKeyRows.ReadAsync(command, ct);
    }

    public Task<ApiKeyRecord?> RevokeKeyAsync(Guid id, AuditContext audit, CancellationToken ct) =>
        _orchestration.RevokeKeyAsync(id, audit, ct);

    public async Task TouchKeyAsync(Guid id, DateTimeOffset at, CancellationToken ct)
    {
        await WriteAsync(async (connection, tx) =>
        {
            await using var touch = Command(connection, tx,
                "UPDATE api_keys SET last_used_at = @at WHERE id = @id AND (last_used_at IS NULL OR last_used_at < @at)");
            touch.Parameters.AddWithValue("@at", at.Truncate().ToUnixTimeMicroseconds());
            touch.Parameters.AddWithValue("@id", id.ToString());
            return await touch.ExecuteNonQueryAsync(ct);
        }, ct);
    }

    public Task<AuditEvent> AppendAuditAsync(AuditContext audit, string? target, string outcome, CancellationToken ct) =>
        _orchestration.AppendAuditAsync(audit, target, outcome, ct);

    public async Task<IReadOnlyList<AuditEvent>> ListAuditAsync(AuditQuery query, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = connection.CreateCommand();
        var where = new List<string>();
        void Filter(string sql, string name, object? value)
        {
            if (value is null) return;
            where.Add(sql);
            command.Parameters.AddWithValue(name, value);
        }
        Filter("action = @action", "@action", query.Action);
        Filter("actor = @actor", "@actor", query.Actor);
        Filter("target = @target", "@target", query.Target);
        Filter("at >= @from", "@from", query.From?.ToUnixTimeMicroseconds());
        Filter("at < @to", "@to", query.To?.ToUnixTimeMicroseconds());
        Filter("seq < @before", "@before", query.BeforeSeq);
        command.CommandText = $"SELECT {SqliteAuditRows.Columns} FROM audit_events {(where.Count == 0 ? "" : "WHERE " + string.Join(" AND ", where))} " +
            "ORDER BY seq DESC LIMIT @limit";
        command.Parameters.AddWithValue("@limit", query.Limit);
        return await SqliteAuditRows.ReadAsync(command, ct);
    }

    public async Task<IReadOnlyList<AuditEvent>> ReadAuditChainAsync(long afterSeq, int limit, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {SqliteAuditRows.Columns} FROM audit_events WHERE seq > @after ORDER BY seq LIMIT @limit";
        command.Parameters.AddWithValue("@after", afterSeq);
        command.Parameters.AddWithValue("@limit", limit);
        return await SqliteAuditRows.ReadAsync(command, ct);
    }

    public async Task<JobStats> ReadStatsAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var tx = connection.BeginTransaction(deferred: true);
        var finished = new List<FinishedMinute>();
        await using (var minutes = Command(connection, tx, """
            SELECT completed_at / 60000000 AS minute, sum(status = 'succeeded'), sum(status = 'failed'), sum(status = 'cancelled')
            FROM jobs WHERE completed_at >= @from AND completed_at < @to AND status IN ('succeeded', 'failed', 'cancelled')
            GROUP BY 1 ORDER BY 1
            """))
        {
            minutes.Parameters.AddWithValue("@from", from.ToUnixTimeMicroseconds());
            minutes.Parameters.AddWithValue("@to", to.ToUnixTimeMicroseconds());
            await using var reader = await minutes.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                finished.Add(new FinishedMinute(DateTimeOffset.FromUnixTimeSeconds(reader.GetInt64(0) * 60), reader.GetInt64(1),
                    reader.GetInt64(2), reader.GetInt64(3)));
            }
        }
        var depth = new Dictionary<JobStatus, long>();
        await using (var statuses = Command(connection, tx, "SELECT status, count(*) FROM jobs GROUP BY status"))
        await using (var reader = await statuses.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct)) depth[JobStatusNames.Parse(reader.GetString(0))] = reader.GetInt64(1);
        }
        // SQLite has no percentile_cont: the run times come ordered by type, and each type's percentiles are cut here.
        var runTimes = new List<RunTimeByType>();
        await using (var durations = Command(connection, tx, """
            SELECT type, completed_at - started_at AS micros FROM jobs
            WHERE completed_at >= @from AND completed_at < @to AND status IN ('succeeded', 'failed') AND started_at IS NOT NULL
            ORDER BY type, micros
            """))
        {
            durations.Parameters.AddWithValue("@from", from.ToUnixTimeMicroseconds());
            durations.Parameters.AddWithValue("@to", to.ToUnixTimeMicroseconds());
            await using var reader = await durations.ExecuteReaderAsync(ct);
            string? type = null;
            var seconds = new List<double>();
            void Flush()
            {
                if (type is null) return;
                runTimes.Add(new RunTimeByType(type, seconds.Count, Percentiles.Continuous(seconds, 0.5), Percentiles.Continuous(seconds, 0.95)));
                seconds.Clear();
            }
            while (await reader.ReadAsync(ct))
            {
                var rowType = reader.GetString(0);
                if (rowType != type)
                {
                    Flush();
                    type = rowType;
                }
                seconds.Add(reader.GetInt64(1) / 1_000_000.0);
            }
            Flush();
        }
        await tx.CommitAsync(ct);
        return new JobStats(finished, depth, runTimes);
    }

    public async Task AppendLogAsync(IReadOnlyList<JobLogLine> lines, int keepPerJob, CancellationToken ct)
    {
        var kept = JobLogLines.Newest(lines, keepPerJob);
        if (kept.Count == 0) return;
        await WriteAsync(async (connection, tx) =>
        {
            await using var last = Command(connection, tx,
                "SELECT EXISTS (SELECT 1 FROM jobs WHERE id = @id), coalesce((SELECT max(seq) FROM job_log WHERE job_id = @id), 0)");
            var lastId = last.Parameters.Add("@id", SqliteType.Text);
            await using var insert = Command(connection, tx, """
                INSERT INTO job_log (job_id, seq, at, attempt, level, message) VALUES (@job_id, @seq, @at, @attempt, @level, @message)
                ON CONFLICT DO NOTHING
                """);
            var job = insert.Parameters.Add("@job_id", SqliteType.Text);
            var seq = insert.Parameters.Add("@seq", SqliteType.Integer);
            var at = insert.Parameters.Add("@at", SqliteType.Integer);
            var attempt = insert.Parameters.Add("@attempt", SqliteType.Integer);
            var level = insert.Parameters.Add("@level", SqliteType.Text);
            var message = insert.Parameters.Add("@message", SqliteType.Text);
            await using var trim = Command(connection, tx, "DELETE FROM job_log WHERE job_id = @id AND seq <= @top - @keep");
            var trimId = trim.Parameters.Add("@id", SqliteType.Text);
            var top = trim.Parameters.Add("@top", SqliteType.Integer);
            trim.Parameters.AddWithValue("@keep", keepPerJob);
            foreach (var group in kept.GroupBy(l => l.JobId))
            {
                lastId.Value = group.Key.ToString();
                long next;
                await using (var reader = await last.ExecuteReaderAsync(ct))
                {
                    await reader.ReadAsync(ct);
                    if (reader.GetInt64(0) == 0) continue;
                    next = reader.GetInt64(1);
                }
                foreach (var line in group)
                {
                    job.Value = line.JobId.ToString();
                    next += 1 + line.SkippedBefore;
                    seq.Value = next;
                    at.Value = line.At.ToUnixTimeMicroseconds();
                    attempt.Value = line.Attempt;
                    level.Value = line.Level;
                    message.Value = line.Message;
                    await insert.ExecuteNonQueryAsync(ct);
                }
                trimId.Value = group.Key.ToString();
                top.Value = next;
                await trim.ExecuteNonQueryAsync(ct);
            }
            return 0;
        }, ct);
    }

    public async Task<IReadOnlyList<JobLogLine>?> ReadLogAsync(Guid jobId, long afterSeq, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT l.seq, l.at, l.attempt, l.level, l.message
            FROM jobs j LEFT JOIN job_log l ON l.job_id = j.id AND l.seq > @after
            WHERE j.id = @id ORDER BY l.seq
            """;
        command.Parameters.AddWithValue("@id", jobId.ToString());
        command.Parameters.AddWithValue("@after", afterSeq);
        await using var reader = await command.ExecuteReaderAsync(ct);
        List<JobLogLine>? lines = null;
        while (await reader.ReadAsync(ct))
        {
            lines ??= [];
            if (reader.IsDBNull(0)) continue;
            lines.Add(new JobLogLine(jobId, Microseconds.FromUnixTimeMicroseconds(reader.GetInt64(1)), reader.GetInt32(2), reader.GetString(3),
                reader.GetString(4), reader.GetInt64(0)));
        }
        return lines;
    }

    private const string NodeColumns = "id, kind, version, started_at, heartbeat_at, workers, workers_busy, jobs_held, is_leader";

    public async Task HeartbeatAsync(NodeRecord node, CancellationToken ct)
    {
        await WriteAsync(async (connection, tx) =>
        {
            await using var upsert = Command(connection, tx, $"""
                INSERT INTO nodes ({NodeColumns}) VALUES (@id, @kind, @version, @started_at, @heartbeat_at, @workers, @workers_busy, @jobs_held, @is_leader)
                ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, version = excluded.version, started_at = excluded.started_at,
                    heartbeat_at = excluded.heartbeat_at, workers = excluded.workers, workers_busy = excluded.workers_busy,
                    jobs_held = excluded.jobs_held, is_leader = excluded.is_leader
                """);
            upsert.Parameters.AddWithValue("@id", node.Id);
            upsert.Parameters.AddWithValue("@kind", node.Kind);
            upsert.Parameters.AddWithValue("@version", node.Version);
            upsert.Parameters.AddWithValue("@started_at", node.StartedAt.ToUnixTimeMicroseconds());
            upsert.Parameters.AddWithValue("@heartbeat_at", node.HeartbeatAt.ToUnixTimeMicroseconds());
            upsert.Parameters.AddWithValue("@workers", node.Workers);
            upsert.Parameters.AddWithValue("@workers_busy", node.WorkersBusy);
            upsert.Parameters.AddWithValue("@jobs_held", node.JobsHeld);
            upsert.Parameters.AddWithValue("@is_leader", node.IsLeader ? 1 : 0);
            return await upsert.ExecuteNonQueryAsync(ct);
        }, ct);
    }

    public async Task<IReadOnlyList<NodeRecord>> ListNodesAsync(int jobsPerNode, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var tx = connection.BeginTransaction(deferred: true);
        var nodes = new List<NodeRecord>();
        await using (var select = Command(connection, tx, $"SELECT {NodeColumns} FROM nodes ORDER BY started_at, id"))
        await using (var reader = await select.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                nodes.Add(new NodeRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2),
                    Microseconds.FromUnixTimeMicroseconds(reader.GetInt64(3)), Microseconds.FromUnixTimeMicroseconds(reader.GetInt64(4)),
                    reader.GetInt32(5), reader.GetInt32(6), reader.GetInt32(7), reader.GetInt64(8) != 0));
            }
        }
        var held = new Dictionary<string, List<Guid>>(StringComparer.Ordinal);
        await using (var jobs = Command(connection, tx, """
            SELECT lease_owner, id FROM (
                SELECT lease_owner, id, row_number() OVER (PARTITION BY lease_owner ORDER BY started_at, id) AS n
                FROM jobs WHERE status = 'running' AND lease_owner IN (SELECT id FROM nodes))
            WHERE n <= @per_node ORDER BY lease_owner, n
            """))
        {
            jobs.Parameters.AddWithValue("@per_node", jobsPerNode);
            await using var reader = await jobs.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var owner = reader.GetString(0);
                if (!held.TryGetValue(owner, out var ids)) held[owner] = ids = [];
                ids.Add(Guid.Parse(reader.GetString(1)));
            }
        }
        await tx.CommitAsync(ct);
        return nodes.Select(n => n with { RunningJobs = held.GetValueOrDefault(n.Id) ?? [] }).ToList();
    }

    public async Task<int> PruneNodesAsync(DateTimeOffset staleBefore, CancellationToken ct) =>
        await WriteAsync(async (connection, tx) =>
        {
            await using var delete = Command(connection, tx, "DELETE FROM nodes WHERE heartbeat_at < @before");
            delete.Parameters.AddWithValue("@before", staleBefore.ToUnixTimeMicroseconds());
            return await delete.ExecuteNonQueryAsync(ct);
        }, ct);

    public async Task RemoveNodeAsync(string id, CancellationToken ct) =>
        await WriteAsync(async (connection, tx) =>
        {
            await using var delete = Command(connection, tx, "DELETE FROM nodes WHERE id = @id");
            delete.Parameters.AddWithValue("@id", id);
            return await delete.ExecuteNonQueryAsync(ct);
        }, ct);

    public void Dispose() => _writeLock.Dispose();

    private static string WorkerActor(string owner) => "worker:" + owner;

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction tx, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        return command;
    }

    private static async Task ExecuteAsync(SqliteConnection connection, SqliteTransaction tx, string sql, CancellationToken ct)
    {
        await using var command = Command(connection, tx, sql);
        await command.ExecuteNonQueryAsync(ct);
    }
}
