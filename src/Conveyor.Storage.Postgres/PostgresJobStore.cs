using Conveyor.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Conveyor.Storage.Driver;
using Npgsql;

namespace Conveyor.Storage.Postgres;

/// <summary>
/// The scaled-out store: one PostgreSQL database is both the queue and the source of truth. Status changes are the
/// shared <see cref="StoreOrchestration"/> over this driver's transactions (<see cref="PostgresTransaction"/>: the
/// locking read, then every write with COMMIT); claims are one statement with <c>FOR UPDATE SKIP LOCKED</c>;
/// wake-ups travel by LISTEN/NOTIFY.
/// </summary>
public sealed partial class PostgresJobStore : IJobStore, IApiKeyStore, IAuditStore, IRecordStore, ITypeControl, IScheduleStore, ISessionStore, IDemoData, IJobRetention, IJobStatistics, INodeRegistry, IJobStats, IJobLog, IStoreDriver, IAsyncDisposable, IDisposable
{
    /// <summary>The NOTIFY channel that tells workers on every node that work is due.</summary>
    public const string Channel = "conveyor_jobs";

    private const string Prefix = "Conveyor.Storage.Postgres.Migrations.";

    /// <summary>This driver's embedded migrations, in version order.</summary>
    public static IReadOnlyList<Migration> Migrations => Migration.Load(typeof(PostgresJobStore).Assembly, Prefix);

    /// <summary>The advisory lock that serializes migrations across nodes: "Conveyor" in ASCII.</summary>
    private const long MigrationLock = 0x436F6E7665796F72;

    private const string TakeMigrationLock = "SELECT pg_advisory_xact_lock(@key)";

    private const string CreateSchemaMigrations =
        "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)";

    private const string SelectAppliedMigrations = "SELECT version FROM schema_migrations";

    private const string RecordMigration = "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, @now)";

    private const string Ping = "SELECT count(*) FROM schema_migrations";

    private const string SelectJob = $"SELECT {JobColumns.All} FROM jobs WHERE id = @id";

    private const string SelectRetryId = "SELECT id FROM jobs WHERE retry_of = @id";

    /// <summary>The job's events oldest first; no row at all when the job does not exist.</summary>
    private const string SelectEvents = """
        SELECT e.id, e.job_id, e.type, e.from_status, e.to_status, e.at, e.actor, e.audit_id, e.data
        FROM jobs j LEFT JOIN job_events e ON e.job_id = j.id
        WHERE j.id = @id
        ORDER BY e.id
        """;

    private const string CountKeys = "SELECT count(*) FROM api_keys";

    private const string SelectKeyByPrefix = $"SELECT {PostgresKeyRows.Columns} FROM api_keys WHERE prefix = @prefix";

    private const string SelectKeys = $"SELECT {PostgresKeyRows.Columns} FROM api_keys ORDER BY created_at, id";

    private const string TouchKey = "UPDATE api_keys SET last_used_at = @at WHERE id = @id AND (last_used_at IS NULL OR last_used_at < @at)";

    private const string SelectAuditChain = $"SELECT {PostgresAuditRows.Columns} FROM audit_events WHERE seq > @after ORDER BY seq LIMIT @limit";

    private readonly NpgsqlDataSource _dataSource;
    private readonly bool _ownsDataSource;
    private readonly TimeProvider _time;
    private readonly ILogger<PostgresJobStore> _logger;
    private readonly QueueSignalHub _signals = new();
    private readonly PostgresQueueListener _listener;
    private readonly StoreOrchestration _orchestration;

    private readonly string[] _limitTypes;
    private readonly int?[] _limitConcurrency;
    private readonly int?[] _limitRate;

    /// <param name="limits">The per-type ceilings this node's claims keep (every node should be given the same).</param>
    public PostgresJobStore(NpgsqlDataSource dataSource, TimeProvider time, ILogger<PostgresJobStore> logger, IReadOnlyList<TypeLimit>? limits = null)
        : this(dataSource, ownsDataSource: false, time, logger, limits)
    {
    }

    private PostgresJobStore(NpgsqlDataSource dataSource, bool ownsDataSource, TimeProvider time, ILogger<PostgresJobStore> logger,
        IReadOnlyList<TypeLimit>? limits)
    {
        var sorted = (limits ?? []).Where(l => l.Concurrency is not null || l.RatePerMinute is not null)
            .OrderBy(l => l.Type, StringComparer.Ordinal).ToList();
        _limitTypes = sorted.Select(l => l.Type).ToArray();
        _limitConcurrency = sorted.Select(l => l.Concurrency).ToArray();
        _limitRate = sorted.Select(l => l.RatePerMinute).ToArray();
        _dataSource = dataSource;
        _ownsDataSource = ownsDataSource;
        _time = time;
        _logger = logger;
        _listener = new PostgresQueueListener(dataSource, _signals, Channel, logger);
        _orchestration = new StoreOrchestration(this, time);
    }

    QueueSignalHub IStoreDriver.Signals => _signals;

    async Task<IDriverTransaction> IStoreDriver.BeginAsync(CancellationToken ct) => await PostgresTransaction.StartAsync(_dataSource, ct);

    /// <summary>A store over its own data source for <paramref name="connectionString"/>, disposed with the store.</summary>
    public static PostgresJobStore Create(string connectionString, TimeProvider time, ILoggerFactory? loggerFactory = null,
        IReadOnlyList<TypeLimit>? limits = null)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        if (loggerFactory is not null) builder.UseLoggerFactory(loggerFactory);
        var logger = loggerFactory?.CreateLogger<PostgresJobStore>() ?? NullLogger<PostgresJobStore>.Instance;
        return new PostgresJobStore(builder.Build(), ownsDataSource: true, time, logger, limits);
    }

    private DateTimeOffset Now() => _time.GetUtcNow().Truncate();

    public async Task MigrateAsync(CancellationToken ct)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        // The lock comes first: even CREATE TABLE IF NOT EXISTS races when ten nodes start together.
        await using (var take = new NpgsqlCommand(TakeMigrationLock, connection, tx))
        {
            Add(take, "key", MigrationLock);
            await take.ExecuteNonQueryAsync(ct);
        }
        await using (var create = new NpgsqlCommand(CreateSchemaMigrations, connection, tx))
        {
            await create.ExecuteNonQueryAsync(ct);
        }
        var applied = new HashSet<int>();
        await using (var select = new NpgsqlCommand(SelectAppliedMigrations, connection, tx))
        await using (var reader = await select.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct)) applied.Add(reader.GetInt32(0));
        }
        foreach (var migration in Migrations.Where(m => !applied.Contains(m.Version)))
        {
            PostgresLog.ApplyingMigration(_logger, migration.Version, migration.Name);
            await using (var apply = new NpgsqlCommand(migration.Sql, connection, tx))
            {
                await apply.ExecuteNonQueryAsync(ct);
            }
            await using var record = new NpgsqlCommand(RecordMigration, connection, tx);
            Add(record, "version", migration.Version);
            Add(record, "name", migration.Name);
            Add(record, "now", Now());
            await record.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
    }

    public async Task PingAsync(CancellationToken ct)
    {
        await using var command = _dataSource.CreateCommand(Ping);
        await command.ExecuteScalarAsync(ct);
    }

    public Task<CreateOutcome> CreateAsync(NewJob job, AuditContext audit, CancellationToken ct) => _orchestration.CreateAsync(job, audit, ct);

    public Task<IReadOnlyList<Job>> CreateBatchAsync(IReadOnlyList<NewJob> jobs, AuditContext audit, CancellationToken ct) =>
        _orchestration.CreateBatchAsync(jobs, audit, ct);

    public async Task<Job?> GetAsync(Guid id, CancellationToken ct)
    {
        await using var command = _dataSource.CreateCommand(SelectJob);
        Add(command, "id", id);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? PostgresRows.ReadJob(reader) : null;
    }

    /// <summary>
    /// The search: the trigram index of <c>job_search</c> (migration 0008) answers <c>ILIKE '%…%'</c>; the pattern escapes
    /// LIKE's own characters, so a search is always for the text as typed.
    /// </summary>
    internal static readonly JobSearchSql Search = new(
        "id IN (SELECT job_id FROM job_search WHERE document ILIKE @search)",
        text => "%" + text.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("%", @"\%", StringComparison.Ordinal)
            .Replace("_", @"\_", StringComparison.Ordinal) + "%");

    internal static readonly JobIdsSql Ids = new("id = ANY(@ids)", ids => ids.ToArray());

    private static JobListSql ListSql(JobQuery query) => new(query, t => t.Truncate(), g => g, Search, Ids);

    private static string CountSql(JobListSql sql, JobQuery query) => query.CountLimit is null
        ? $"SELECT count(*) AS total FROM jobs WHERE {sql.Filter}"
        : $"SELECT count(*) AS total FROM (SELECT 1 FROM jobs WHERE {sql.Filter} LIMIT @count_limit) capped";

    public async Task<JobPage> ListAsync(JobQuery query, CancellationToken ct)
    {
        var sql = ListSql(query);
        // One statement, so the total and the page read the same snapshot; the outer join keeps the total
        // when the page is empty.
        await using var command = _dataSource.CreateCommand($"""
            WITH total AS ({CountSql(sql, query)})
            SELECT total.total, page.* FROM total LEFT JOIN LATERAL (
                SELECT {JobColumns.All} FROM jobs
                WHERE {sql.PageFilter}
                ORDER BY {sql.OrderBy}
                LIMIT @limit OFFSET @offset) page ON true
            ORDER BY {sql.OrderBy}
            """);
        foreach (var (name, value) in sql.PageParameters) command.Parameters.AddWithValue(name, value);
        Add(command, "limit", query.Limit + 1);
        Add(command, "offset", query.RowOffset);
        if (query.CountLimit is not null) Add(command, "count_limit", JobListSql.CountLimitValue(query));
        long total = 0;
        var rows = new List<Job>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        var row = PostgresJobRow.Of(reader);
        var id = reader.GetOrdinal("id");
        while (await reader.ReadAsync(ct))
        {
            total = reader.GetInt64(0);
            if (!reader.IsDBNull(id)) rows.Add(row.Read(reader));
        }
        return JobPages.From(rows, total, query);
    }

    private const string SelectChanged = $"SELECT {JobColumns.All} FROM jobs WHERE id = ANY(@ids) AND updated_at > @since";

    public async Task<IReadOnlyList<Job>> ListChangedAsync(IReadOnlyCollection<Guid> ids, DateTimeOffset since, CancellationToken ct)
    {
        if (ids.Count == 0) return [];
        await using var command = _dataSource.CreateCommand(SelectChanged);
        Add(command, "ids", ids.ToArray());
        Add(command, "since", since.Truncate());
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await PostgresRows.ReadJobsAsync(reader, ct);
    }

    public async Task<long> CountAsync(JobQuery filter, CancellationToken ct)
    {
        var sql = ListSql(filter with { CountLimit = null });
        await using var command = _dataSource.CreateCommand(CountSql(sql, filter with { CountLimit = null }));
        foreach (var (name, value) in sql.FilterParameters) command.Parameters.AddWithValue(name, value);
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    public async Task<IReadOnlyList<JobGroupCount>> CountByAsync(JobQuery filter, JobCountField field, IReadOnlyList<string> values,
        CancellationToken ct)
    {
        if (values.Count == 0) return [];
        var sql = ListSql(filter);
        if (filter.Ids is not null)
        {
            await using var grouped = _dataSource.CreateCommand(JobGroupCount.GroupedSql(field, sql.Filter));
            foreach (var (name, value) in sql.FilterParameters) grouped.Parameters.AddWithValue(name, value);
            await using var rows = await grouped.ExecuteReaderAsync(ct);
            return await JobGroupCount.ReadGroupedAsync(rows, values, filter, ct);
        }
        var column = JobGroupCount.Column(field);
        // A subquery per value, each an index scan ((status|type, created_at, id)) that stops at the cap.
        await using var command = _dataSource.CreateCommand($"""
            SELECT (SELECT count(*) FROM (
                SELECT 1 FROM jobs WHERE {column} = g.value AND {sql.Filter}{(filter.CountLimit is null ? "" : " LIMIT @count_limit")}) capped)
            FROM unnest(@group_values) WITH ORDINALITY AS g(value, n)
            ORDER BY g.n
            """);
        foreach (var (name, value) in sql.FilterParameters) command.Parameters.AddWithValue(name, value);
        Add(command, "group_values", values.ToArray());
        if (filter.CountLimit is not null) Add(command, "count_limit", JobListSql.CountLimitValue(filter));
        var counts = new List<JobGroupCount>(values.Count);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) counts.Add(JobGroupCount.Of(values[counts.Count], reader.GetInt64(0), filter));
        return counts;
    }

    public async Task<IReadOnlyList<Guid>> ListIdsAsync(JobQuery filter, Guid? after, int limit, CancellationToken ct)
    {
        var sql = ListSql(filter);
        await using var command = _dataSource.CreateCommand(
            $"SELECT id FROM jobs WHERE {sql.Filter}{(after is null ? "" : " AND id > @after_id")} ORDER BY id LIMIT @limit");
        foreach (var (name, value) in sql.FilterParameters) command.Parameters.AddWithValue(name, value);
        if (after is { } a) Add(command, "after_id", a);
        Add(command, "limit", limit);
        var ids = new List<Guid>(limit);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) ids.Add(reader.GetGuid(0));
        return ids;
    }

    public async Task<IReadOnlyList<JobEvent>?> GetEventsAsync(Guid id, CancellationToken ct)
    {
        await using var command = _dataSource.CreateCommand(SelectEvents);
        Add(command, "id", id);
        await using var reader = await command.ExecuteReaderAsync(ct);
        List<JobEvent>? events = null;
        while (await reader.ReadAsync(ct))
        {
            events ??= [];
            if (reader.IsDBNull(0)) continue;
            events.Add(new JobEvent(
                reader.GetInt64(0),
                reader.GetGuid(1),
                reader.GetString(2),
                PostgresRows.Text(reader, 3),
                PostgresRows.Text(reader, 4),
                PostgresRows.Time(reader, 5),
                reader.GetString(6),
                reader.IsDBNull(7) ? null : reader.GetGuid(7),
                JobMetadata.Parse(reader.GetString(8))));
        }
        return events;
    }

    public async Task<Guid?> FindRetryAsync(Guid id, CancellationToken ct)
    {
        await using var command = _dataSource.CreateCommand(SelectRetryId);
        Add(command, "id", id);
        return await command.ExecuteScalarAsync(ct) is Guid retry ? retry : null;
    }

    public Task<OperationOutcome> ApplyAsync(Guid id, JobOperation operation, AuditContext audit, CancellationToken ct) =>
        _orchestration.ApplyAsync(id, operation, audit, ct);

    public Task<RetryAsNewOutcome> RetryAsNewAsync(Guid id, Func<Job, NewJob> buildRetry, AuditContext audit, CancellationToken ct) =>
        _orchestration.RetryAsNewAsync(id, buildRetry, audit, ct);

    public Task<BulkApplyOutcome> ApplyManyAsync(BulkApply bulk, CancellationToken ct) => _orchestration.ApplyManyAsync(bulk, ct);

    // Rows picked in a CTE are updated through "id = ANY(ARRAY(SELECT ...))" (or "= ANY(@ids)"), never "IN (SELECT ...)"
    // or a bare join: these statements are prepared, and a generic plan that cannot see how few rows the CTE
    // holds would otherwise hash-join a sequential scan of the whole jobs table.

    /// <summary>
    /// The pause lock: every claim holds it shared while its statement runs, a pause takes it exclusively before it
    /// writes ("Paus" in ASCII, then "Lock").
    /// </summary>
    internal const long PauseLock = 0x506175734C6F636B;

    /// <summary>
    /// Taken before the claim, in the same implicit transaction: the pause lock shared, and one lock per limited type
    /// (in name order, so two claims never wait on each other in a cycle). The claim statement comes after it, so its
    /// snapshot sees every claim of a limited type that committed before, and no two claims count the same free place.
    /// </summary>
    private const string TakeClaimLocks = """
        SELECT pg_advisory_xact_lock_shared(@pause_lock),
               (SELECT count(pg_advisory_xact_lock(k)) FROM (SELECT hashtextextended('conveyor.type:' || t, 0) AS k FROM unnest(@limited::text[]) t ORDER BY t) keys)
        """;

    /// <summary>
    /// Due queued jobs by priority, then schedule, then age: leased, started and logged in one statement. A paused
    /// type is skipped, and so is a limited type with no room left (running jobs against its concurrency, starts of
    /// the last minute against its rate); a type with some room gives at most that many of the jobs.
    /// </summary>
    private const string ClaimJobs = $"""
        WITH limits AS (
            SELECT * FROM unnest(@limit_type::text[], @limit_concurrency::integer[], @limit_rate::integer[]) AS l (type, concurrency, rate)
        ), room AS (
            SELECT l.type, LEAST(
                coalesce(l.concurrency - (SELECT count(*) FROM jobs r WHERE r.status = 'running' AND r.type = l.type), 2147483647),
                coalesce(l.rate - (SELECT count(*) FROM type_starts s WHERE s.type = l.type AND s.at > @now - interval '1 minute'), 2147483647)) AS room
            FROM limits l
        ), next AS (
            SELECT id, type, priority, scheduled_at, created_at FROM jobs
            WHERE status = 'queued' AND scheduled_at <= @now
              AND type <> ALL(ARRAY(SELECT type FROM type_pauses))
              AND type <> ALL(ARRAY(SELECT type FROM room WHERE room <= 0))
            ORDER BY priority DESC, scheduled_at, created_at
            LIMIT @max
            FOR UPDATE SKIP LOCKED
        ), picked AS (
            SELECT n.id FROM (
                SELECT id, type, row_number() OVER (PARTITION BY type ORDER BY priority DESC, scheduled_at, created_at) AS rank FROM next) n
            LEFT JOIN room ON room.type = n.type
            WHERE room.room IS NULL OR n.rank <= room.room
        ), claimed AS (
            UPDATE jobs
            SET status = 'running', attempt = attempt + 1, started_at = @now, completed_at = NULL,
                lease_owner = @owner, lease_expires_at = @lease_expires_at,
                updated_at = GREATEST(@now, updated_at + interval '1 microsecond')
            WHERE id = ANY(ARRAY(SELECT id FROM picked))
            RETURNING {JobColumns.All}
        ), started AS (
            INSERT INTO job_events (job_id, type, from_status, to_status, at, actor, data)
            SELECT id, 'started', 'queued', 'running', @now, @actor, jsonb_build_object('attempt', attempt)
            FROM claimed ORDER BY priority DESC, scheduled_at, created_at
        ), counted AS (
            INSERT INTO type_starts (type, at)
            SELECT c.type, @now FROM claimed c JOIN limits l ON l.type = c.type WHERE l.rate IS NOT NULL
        ), forgotten AS (
            DELETE FROM type_starts WHERE type = ANY(@limit_type) AND at <= @now - interval '1 minute'
        )
        SELECT {JobColumns.All} FROM claimed ORDER BY priority DESC, scheduled_at, created_at
        """;

    public async Task<IReadOnlyList<Job>> ClaimAsync(string owner, int max, TimeSpan lease, CancellationToken ct)
    {
        if (max <= 0) return [];
        var now = Now();
        await using var connection = await _dataSource.OpenConnectionAsync(ct);
        // One round trip, one implicit transaction: the locks, then the claim.
        var locks = new NpgsqlBatchCommand(TakeClaimLocks);
        Add(locks.Parameters, "pause_lock", PauseLock);
        Add(locks.Parameters, "limited", _limitTypes);
        var claim = new NpgsqlBatchCommand(ClaimJobs);
        Add(claim.Parameters, "now", now);
        Add(claim.Parameters, "max", max);
        Add(claim.Parameters, "owner", owner);
        Add(claim.Parameters, "actor", WorkerActor(owner));
        Add(claim.Parameters, "lease_expires_at", (now + lease).Truncate());
        Add(claim.Parameters, "limit_type", _limitTypes);
        Add(claim.Parameters, "limit_concurrency", _limitConcurrency);
        Add(claim.Parameters, "limit_rate", _limitRate);
        await using var batch = new NpgsqlBatch(connection) { BatchCommands = { locks, claim } };
        await batch.PrepareAsync(ct);
        await using var reader = await batch.ExecuteReaderAsync(ct);
        await reader.NextResultAsync(ct);
        return await PostgresRows.ReadJobsAsync(reader, ct);
    }

    /// <summary>
    /// Extends the leases the owner still holds (locked in id order, like every multi-row write, so two
    /// writers never wait on each other in a cycle); returns, in input order, the ids to stop: cancel
    /// requested, or no longer leased by this owner.
    /// </summary>
    private const string Heartbeat = """
        WITH input AS (
            SELECT * FROM unnest(@ids::uuid[]) WITH ORDINALITY AS i (job_id, ord)
        ), locked AS (
            SELECT id, lease_owner, status FROM jobs
            WHERE id = ANY(@ids)
            ORDER BY id
            FOR UPDATE
        ), extended AS (
            UPDATE jobs SET lease_expires_at = @lease_expires_at
            WHERE id = ANY(ARRAY(SELECT id FROM locked WHERE lease_owner = @owner AND status = 'running'))
            RETURNING id, cancel_requested_at IS NOT NULL AS cancel_requested
        )
        SELECT i.job_id, e.id IS NULL AS lost FROM input i LEFT JOIN extended e ON e.id = i.job_id
        WHERE e.id IS NULL OR e.cancel_requested
        ORDER BY i.ord
        """;

    public async Task<IReadOnlyList<LeaseStop>> HeartbeatAsync(string owner, IReadOnlyCollection<Guid> ids, TimeSpan lease, CancellationToken ct)
    {
        if (ids.Count == 0) return [];
        var now = Now();
        await using var connection = await _dataSource.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand(Heartbeat, connection);
        Add(command, "ids", ids.ToArray());
        Add(command, "owner", owner);
        Add(command, "lease_expires_at", (now + lease).Truncate());
        await command.PrepareAsync(ct);
        var stop = new List<LeaseStop>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) stop.Add(new LeaseStop(reader.GetGuid(0), reader.GetBoolean(1) ? LeaseStopReason.LeaseLost : LeaseStopReason.CancelRequested));
        return stop;
    }

    public Task<int> CompleteAsync(string owner, IReadOnlyList<Completion> completions, CancellationToken ct) =>
        _orchestration.CompleteAsync(owner, completions, ct);

    public async Task FlushProgressAsync(IReadOnlyList<ProgressUpdate> updates, CancellationToken ct)
    {
        if (updates.Count == 0) return;
        await using var connection = await _dataSource.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(connection) { BatchCommands = { PostgresTransaction.WriteProgressCommand(new WriteProgressParams(updates, Now())) } };
        await batch.PrepareAsync(ct);
        await batch.ExecuteNonQueryAsync(ct);
    }

    public Task<int> RescueExpiredAsync(int max, CancellationToken ct) => _orchestration.RescueExpiredAsync(max, ct);

    public Task<int> ReleaseAsync(string owner, IReadOnlyCollection<Guid> ids, CancellationToken ct) =>
        _orchestration.ReleaseAsync(owner, ids, ct);

    public async Task<IQueueSignal> SubscribeAsync(CancellationToken ct)
    {
        await _listener.EnsureStartedAsync(ct);
        return _signals.Subscribe();
    }

    public Task<bool> PauseTypeAsync(string type, AuditContext audit, CancellationToken ct) =>
        _orchestration.SetTypePauseAsync(type, paused: true, audit, ct);

    public Task<bool> ResumeTypeAsync(string type, AuditContext audit, CancellationToken ct) =>
        _orchestration.SetTypePauseAsync(type, paused: false, audit, ct);

    private const string SelectPauses = "SELECT type, paused_at, paused_by FROM type_pauses ORDER BY type";

    public async Task<IReadOnlyList<TypePause>> ListPausedTypesAsync(CancellationToken ct)
    {
        await using var command = _dataSource.CreateCommand(SelectPauses);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var pauses = new List<TypePause>();
        while (await reader.ReadAsync(ct)) pauses.Add(new TypePause(reader.GetString(0), PostgresRows.Time(reader, 1), reader.GetString(2)));
        return pauses;
    }

    public Task<PrunedJobs> PruneFinishedAsync(DateTimeOffset before, int max, bool withRecords, CancellationToken ct) =>
        _orchestration.PruneFinishedAsync(before, max, withRecords, ct);

    private const string SelectStoredPaths = "SELECT path FROM stored_files WHERE path = ANY(@paths)";

    public async Task<IReadOnlyList<string>> FindStoredPathsAsync(IReadOnlyList<string> paths, CancellationToken ct)
    {
        if (paths.Count == 0) return [];
        await using var command = _dataSource.CreateCommand(SelectStoredPaths);
        Add(command, "paths", paths.ToArray());
        await using var reader = await command.ExecuteReaderAsync(ct);
        var found = new List<string>();
        while (await reader.ReadAsync(ct)) found.Add(reader.GetString(0));
        return found;
    }

    private const string SelectJobCounts = "SELECT type, status, count(*) FROM jobs GROUP BY type, status ORDER BY type, status";

    private const string SelectQueueDepths =
        "SELECT type, count(*), min(scheduled_at) FROM jobs WHERE status = 'queued' AND scheduled_at <= @now GROUP BY type ORDER BY type";

    public async Task<JobStatistics> ReadJobStatisticsAsync(DateTimeOffset now, CancellationToken ct)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(ct);
        var depths = new NpgsqlBatchCommand(SelectQueueDepths);
        Add(depths.Parameters, "now", now.Truncate());
        await using var batch = new NpgsqlBatch(connection) { BatchCommands = { new NpgsqlBatchCommand(SelectJobCounts), depths } };
        await using var reader = await batch.ExecuteReaderAsync(ct);
        var counts = new List<JobCount>();
        while (await reader.ReadAsync(ct)) counts.Add(new JobCount(reader.GetString(0), reader.GetString(1), reader.GetInt64(2)));
        await reader.NextResultAsync(ct);
        var queues = new List<QueueDepth>();
        while (await reader.ReadAsync(ct)) queues.Add(new QueueDepth(reader.GetString(0), reader.GetInt64(1), PostgresRows.Time(reader, 2)));
        return new JobStatistics(counts, queues);
    }

    private const string SelectScheduleRuns = "SELECT name, last_tick, last_job_id, last_enqueued_at FROM schedule_runs ORDER BY name";

    private const string UpsertScheduleRun = """
        INSERT INTO schedule_runs (name, last_tick, last_job_id, last_enqueued_at) VALUES (@name, @tick, @job, @at)
        ON CONFLICT (name) DO UPDATE SET last_tick = excluded.last_tick,
            last_job_id = coalesce(excluded.last_job_id, schedule_runs.last_job_id),
            last_enqueued_at = coalesce(excluded.last_enqueued_at, schedule_runs.last_enqueued_at)
        WHERE schedule_runs.last_tick < excluded.last_tick
        """;

    public async Task<IReadOnlyList<ScheduleRun>> ListScheduleRunsAsync(CancellationToken ct)
    {
        await using var command = _dataSource.CreateCommand(SelectScheduleRuns);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var runs = new List<ScheduleRun>();
        while (await reader.ReadAsync(ct))
        {
            runs.Add(new ScheduleRun(reader.GetString(0), PostgresRows.Time(reader, 1), reader.IsDBNull(2) ? null : reader.GetGuid(2),
                PostgresRows.NullableTime(reader, 3)));
        }
        return runs;
    }

    public async Task RecordScheduleRunAsync(ScheduleRun run, CancellationToken ct)
    {
        await using var command = _dataSource.CreateCommand(UpsertScheduleRun);
        Add(command, "name", run.Name);
        Add(command, "tick", run.LastTick.Truncate());
        Add(command, "job", run.LastJobId);
        Add(command, "at", run.LastEnqueuedAt?.Truncate());
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task<long> CountKeysAsync(CancellationToken ct)
    {
        await using var command = _dataSource.CreateCommand(CountKeys);
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    public Task InsertKeyAsync(ApiKeyRecord key, AuditContext audit, CancellationToken ct) => _orchestration.InsertKeyAsync(key, audit, ct);

    public async Task<ApiKeyRecord?> FindKeyByPrefixAsync(string prefix, CancellationToken ct)
    {
        await using var command = _dataSource.CreateCommand(SelectKeyByPrefix);
        Add(command, "prefix", prefix);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? PostgresKeyRows.Read(reader) : null;
    }

    public async Task<IReadOnlyList<ApiKeyRecord>> ListKeysAsync(CancellationToken ct)
    {
        await using var command = _dataSource.CreateCommand(SelectKeys);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var keys = new List<ApiKeyRecord>();
        while (await reader.ReadAsync(ct)) keys.Add(PostgresKeyRows.Read(reader));
        return keys;
    }

    public Task<ApiKeyRecord?> RevokeKeyAsync(Guid id, AuditContext audit, CancellationToken ct) =>
        _orchestration.RevokeKeyAsync(id, audit, ct);

    public async Task TouchKeyAsync(Guid id, DateTimeOffset at, CancellationToken ct)
    {
        await using var command = _dataSource.CreateCommand(TouchKey);
        Add(command, "at", at.Truncate());
        Add(command, "id", id);
        await command.ExecuteNonQueryAsync(ct);
    }

    public Task<AuditEvent> AppendAuditAsync(AuditContext audit, string? target, string outcome, CancellationToken ct) =>
        _orchestration.AppendAuditAsync(audit, target, outcome, ct);

    public async Task<IReadOnlyList<AuditEvent>> ListAuditAsync(AuditQuery query, CancellationToken ct)
    {
        await using var command = _dataSource.CreateCommand();
        var where = new List<string>();
        void Filter<T>(string sql, string name, T? value)
        {
            if (value is null) return;
            where.Add(sql);
            Add(command, name, value);
        }
        Filter("action = @action", "action", query.Action);
        Filter("actor = @actor", "actor", query.Actor);
        Filter("target = @target", "target", query.Target);
        Filter("at >= @from", "from", query.From);
        Filter("at < @to", "to", query.To);
        Filter("seq < @before", "before", query.BeforeSeq);
        command.CommandText = $"SELECT {PostgresAuditRows.Columns} FROM audit_events {(where.Count == 0 ? "" : "WHERE " + string.Join(" AND ", where))} " +
            "ORDER BY seq DESC LIMIT @limit";
        Add(command, "limit", query.Limit);
        return await ReadAuditAsync(command, ct);
    }

    public async Task<IReadOnlyList<AuditEvent>> ReadAuditChainAsync(long afterSeq, int limit, CancellationToken ct)
    {
        await using var command = _dataSource.CreateCommand(SelectAuditChain);
        Add(command, "after", afterSeq);
        Add(command, "limit", limit);
        return await ReadAuditAsync(command, ct);
    }

    private static async Task<List<AuditEvent>> ReadAuditAsync(NpgsqlCommand command, CancellationToken ct)
    {
        var events = new List<AuditEvent>();
        await using var r = await command.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) events.Add(PostgresAuditRows.Read(r));
        return events;
    }

    /// <summary>
    /// The charts in one round trip: ended jobs per minute (the completed_at index), the depth by status, and the run
    /// times by type. Minutes are cut in UTC whatever the session's time zone.
    /// </summary>
    private const string SelectStats = """
        SELECT date_trunc('minute', completed_at AT TIME ZONE 'UTC') AS minute,
               count(*) FILTER (WHERE status = 'succeeded'), count(*) FILTER (WHERE status = 'failed'),
               count(*) FILTER (WHERE status = 'cancelled')
        FROM jobs WHERE completed_at >= @from AND completed_at < @to AND status IN ('succeeded', 'failed', 'cancelled')
        GROUP BY 1 ORDER BY 1;
        SELECT status, count(*) FROM jobs GROUP BY status;
        SELECT type, count(*),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM completed_at - started_at)),
               percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM completed_at - started_at))
        FROM jobs WHERE completed_at >= @from AND completed_at < @to AND status IN ('succeeded', 'failed') AND started_at IS NOT NULL
        GROUP BY type ORDER BY type
        """;

    public async Task<JobStats> ReadStatsAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        await using var command = _dataSource.CreateCommand(SelectStats);
        Add(command, "from", from.Truncate());
        Add(command, "to", to.Truncate());
        await using var reader = await command.ExecuteReaderAsync(ct);
        var finished = new List<FinishedMinute>();
        while (await reader.ReadAsync(ct))
        {
            var minute = new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(0), DateTimeKind.Utc));
            finished.Add(new FinishedMinute(minute, reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3)));
        }
        var depth = new Dictionary<JobStatus, long>();
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct)) depth[JobStatusNames.Parse(reader.GetString(0))] = reader.GetInt64(1);
        var runTimes = new List<RunTimeByType>();
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct))
            runTimes.Add(new RunTimeByType(reader.GetString(0), reader.GetInt64(1), reader.GetDouble(2), reader.GetDouble(3)));
        return new JobStats(finished, depth, runTimes);
    }

    /// <summary>
    /// Numbers the new lines after each job's last (one writer per job at a time: its lease holder), inserts those of jobs
    /// that exist, then drops each job's lines older than the newest @keep. The DELETE's snapshot does not see this
    /// statement's inserts, so the caller passes at most @keep lines per job.
    /// </summary>
    private const string AppendLog = """
        WITH input AS (
            SELECT * FROM unnest(@job_id::uuid[], @at::timestamptz[], @attempt::integer[], @level::text[], @message::text[],
                @skipped::bigint[]) WITH ORDINALITY AS i (job_id, at, attempt, level, message, skipped, ord)
        ), numbered AS (
            SELECT i.*, coalesce((SELECT max(l.seq) FROM job_log l WHERE l.job_id = i.job_id), 0)
                + sum(1 + i.skipped) OVER (PARTITION BY i.job_id ORDER BY i.ord) AS seq
            FROM input i WHERE EXISTS (SELECT 1 FROM jobs j WHERE j.id = i.job_id)
        ), inserted AS (
            INSERT INTO job_log (job_id, seq, at, attempt, level, message)
            SELECT job_id, seq, at, attempt, level, message FROM numbered ORDER BY job_id, seq
            ON CONFLICT DO NOTHING
            RETURNING job_id, seq
        )
        DELETE FROM job_log l USING (SELECT job_id, max(seq) AS top FROM inserted GROUP BY job_id) t
        WHERE l.job_id = t.job_id AND l.seq <= t.top - @keep
        """;

    public async Task AppendLogAsync(IReadOnlyList<JobLogLine> lines, int keepPerJob, CancellationToken ct)
    {
        var kept = JobLogLines.Newest(lines, keepPerJob);
        if (kept.Count == 0) return;
        await using var command = _dataSource.CreateCommand(AppendLog);
        var c = new PostgresParameters(command.Parameters);
        c.Column("job_id", kept, l => l.JobId);
        c.Column("at", kept, l => l.At.Truncate());
        c.Column("attempt", kept, l => l.Attempt);
        c.Column("level", kept, l => l.Level);
        c.Column("message", kept, l => l.Message);
        c.Column("skipped", kept, l => l.SkippedBefore);
        c.Value("keep", (long)keepPerJob);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The job's lines after @after; one row of NULLs first tells an existing job without lines from none.</summary>
    private const string SelectLog = """
        SELECT l.seq, l.at, l.attempt, l.level, l.message
        FROM jobs j LEFT JOIN job_log l ON l.job_id = j.id AND l.seq > @after
        WHERE j.id = @id ORDER BY l.seq
        """;

    public async Task<IReadOnlyList<JobLogLine>?> ReadLogAsync(Guid jobId, long afterSeq, CancellationToken ct)
    {
        await using var command = _dataSource.CreateCommand(SelectLog);
        Add(command, "id", jobId);
        Add(command, "after", afterSeq);
        await using var reader = await command.ExecuteReaderAsync(ct);
        List<JobLogLine>? lines = null;
        while (await reader.ReadAsync(ct))
        {
            lines ??= [];
            if (reader.IsDBNull(0)) continue;
            lines.Add(new JobLogLine(jobId, PostgresRows.Time(reader, 1), reader.GetInt32(2), reader.GetString(3), reader.GetString(4), reader.GetInt64(0)));
        }
        return lines;
    }

    private const string NodeColumns = "id, kind, version, started_at, heartbeat_at, workers, workers_busy, jobs_held, is_leader";

    private const string UpsertNode = $"""
        INSERT INTO nodes ({NodeColumns}) VALUES (@id, @kind, @version, @started_at, @heartbeat_at, @workers, @workers_busy, @jobs_held, @is_leader)
        ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, version = excluded.version, started_at = excluded.started_at,
            heartbeat_at = excluded.heartbeat_at, workers = excluded.workers, workers_busy = excluded.workers_busy,
            jobs_held = excluded.jobs_held, is_leader = excluded.is_leader
        """;

    public async Task HeartbeatAsync(NodeRecord node, CancellationToken ct)
    {
        await using var command = _dataSource.CreateCommand(UpsertNode);
        Add(command, "id", node.Id);
        Add(command, "kind", node.Kind);
        Add(command, "version", node.Version);
        Add(command, "started_at", node.StartedAt.Truncate());
        Add(command, "heartbeat_at", node.HeartbeatAt.Truncate());
        Add(command, "workers", node.Workers);
        Add(command, "workers_busy", node.WorkersBusy);
        Add(command, "jobs_held", node.JobsHeld);
        Add(command, "is_leader", node.IsLeader);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The nodes, then the running jobs of each (the lease index holds every running job).</summary>
    private const string SelectNodes = $"""
        SELECT {NodeColumns} FROM nodes ORDER BY started_at, id;
        SELECT lease_owner, id FROM (
            SELECT lease_owner, id, row_number() OVER (PARTITION BY lease_owner ORDER BY started_at, id) AS n
            FROM jobs WHERE status = 'running' AND lease_owner = ANY(ARRAY(SELECT id FROM nodes))) held
        WHERE n <= @per_node ORDER BY lease_owner, n
        """;

    public async Task<IReadOnlyList<NodeRecord>> ListNodesAsync(int jobsPerNode, CancellationToken ct)
    {
        await using var command = _dataSource.CreateCommand(SelectNodes);
        Add(command, "per_node", jobsPerNode);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var nodes = new List<NodeRecord>();
        while (await reader.ReadAsync(ct))
        {
            nodes.Add(new NodeRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), PostgresRows.Time(reader, 3),
                PostgresRows.Time(reader, 4), reader.GetInt32(5), reader.GetInt32(6), reader.GetInt32(7), reader.GetBoolean(8)));
        }
        var held = new Dictionary<string, List<Guid>>(StringComparer.Ordinal);
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var owner = reader.GetString(0);
            if (!held.TryGetValue(owner, out var ids)) held[owner] = ids = [];
            ids.Add(reader.GetGuid(1));
        }
        return nodes.Select(n => n with { RunningJobs = held.GetValueOrDefault(n.Id) ?? [] }).ToList();
    }

    private const string DeleteStaleNodes = "DELETE FROM nodes WHERE heartbeat_at < @before";

    public async Task<int> PruneNodesAsync(DateTimeOffset staleBefore, CancellationToken ct)
    {
        await using var command = _dataSource.CreateCommand(DeleteStaleNodes);
        Add(command, "before", staleBefore.Truncate());
        return await command.ExecuteNonQueryAsync(ct);
    }

    private const string DeleteNode = "DELETE FROM nodes WHERE id = @id";

    public async Task RemoveNodeAsync(string id, CancellationToken ct)
    {
        await using var command = _dataSource.CreateCommand(DeleteNode);
        Add(command, "id", id);
        await command.ExecuteNonQueryAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _listener.DisposeAsync();
        if (_ownsDataSource) await _dataSource.DisposeAsync();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private static string WorkerActor(string owner) => "worker:" + owner;

    private static void Add<T>(NpgsqlCommand command, string name, T value) => Add(command.Parameters, name, value);

    private static void Add<T>(NpgsqlParameterCollection parameters, string name, T value) =>
        parameters.Add(new NpgsqlParameter<T>(name, value));
}
