using Conveyor.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Conveyor.Storage.Postgres;

/// <summary>
/// The scaled-out store: one PostgreSQL database is both the queue and the source of truth. Status changes load
/// the rows under their locks, let <see cref="StatusMachine"/> decide, and write every change with its event in
/// one statement; claims are one statement with <c>FOR UPDATE SKIP LOCKED</c>; wake-ups travel by LISTEN/NOTIFY.
/// </summary>
public sealed partial class PostgresJobStore : IJobStore, IApiKeyStore, IAuditStore, IRecordStore, IAsyncDisposable, IDisposable
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

    private const string Notify = $"SELECT pg_notify('{Channel}', '')";

    private const string InsertedColumns =
        "id, type, source_type, source_uri, file_name, file_size, mime_type, mode, priority, metadata, session_id, dataset, " +
        "status, attempt, max_attempts, scheduled_at, created_at, updated_at, retry_of, idempotency_key, request_hash, " +
        "created_by, synthetic";

    /// <summary>Many jobs from parallel arrays, their <c>created</c> events in input order, and one NOTIFY when any is due.</summary>
    private const string InsertJobs = $"""
        WITH input AS (
            SELECT * FROM unnest(@id::uuid[], @type::text[], @source_type::text[], @source_uri::text[], @file_name::text[],
                @file_size::bigint[], @mime_type::text[], @mode::text[], @priority::integer[], @metadata::jsonb[],
                @session_id::uuid[], @dataset::text[], @max_attempts::integer[], @scheduled_at::timestamptz[],
                @retry_of::uuid[], @idempotency_key::text[], @request_hash::text[], @created_by::text[],
                @synthetic::boolean[], @event_data::jsonb[])
                WITH ORDINALITY AS i (id, type, source_type, source_uri, file_name, file_size, mime_type, mode, priority,
                    metadata, session_id, dataset, max_attempts, scheduled_at, retry_of, idempotency_key, request_hash,
                    created_by, synthetic, event_data, ord)
        ), inserted AS (
            INSERT INTO jobs ({InsertedColumns})
            SELECT id, type, source_type, source_uri, file_name, file_size, mime_type, mode, priority, metadata,
                session_id, dataset, 'queued', 0, max_attempts, scheduled_at, @now, @now, retry_of,
                idempotency_key, request_hash, created_by, synthetic
            FROM input ORDER BY ord
            RETURNING id
        ), created AS (
            INSERT INTO job_events (job_id, type, from_status, to_status, at, actor, audit_id, data)
            SELECT i.id, 'created', NULL, 'queued', @now, i.created_by, @audit_id::uuid, i.event_data
            FROM input i JOIN inserted USING (id) ORDER BY i.ord
        ), wake AS (
            SELECT pg_notify('{Channel}', '') FROM input WHERE scheduled_at <= @now LIMIT 1
        )
        SELECT count(*) FROM inserted LEFT JOIN wake ON true
        """;

    private const string SelectByIdempotencyKey = $"SELECT {JobColumns.All}, request_hash FROM jobs WHERE idempotency_key = @key";

    private const string SelectJob = $"SELECT {JobColumns.All} FROM jobs WHERE id = @id";

    private const string LockJob = $"SELECT {JobColumns.All} FROM jobs WHERE id = @id FOR UPDATE";

    private const string HasRetry = "SELECT EXISTS (SELECT 1 FROM jobs WHERE retry_of = @id)";

    private const string SelectRetryJob = $"SELECT {JobColumns.All} FROM jobs WHERE retry_of = @id";

    private const string SelectRetryId = "SELECT id FROM jobs WHERE retry_of = @id";

    /// <summary>The job's events oldest first; no row at all when the job does not exist.</summary>
    private const string SelectEvents = """
        SELECT e.id, e.job_id, e.type, e.from_status, e.to_status, e.at, e.actor, e.audit_id, e.data
        FROM jobs j LEFT JOIN job_events e ON e.job_id = j.id
        WHERE j.id = @id
        ORDER BY e.id
        """;

    // Rows picked in a CTE are updated through "id = ANY(ARRAY(SELECT ...))" (or "= ANY(@ids)"), never "IN (SELECT ...)"
    // or a bare join: these statements are prepared, and a generic plan that cannot see how few rows the CTE
    // holds would otherwise hash-join a sequential scan of the whole jobs table.

    /// <summary>Due queued jobs by priority, then schedule, then age: leased, started and logged in one statement.</summary>
    private const string ClaimJobs = $"""
        WITH next AS (
            SELECT id FROM jobs
            WHERE status = 'queued' AND scheduled_at <= @now
            ORDER BY priority DESC, scheduled_at, created_at
            LIMIT @max
            FOR UPDATE SKIP LOCKED
        ), claimed AS (
            UPDATE jobs
            SET status = 'running', attempt = attempt + 1, started_at = @now, completed_at = NULL,
                lease_owner = @owner, lease_expires_at = @lease_expires_at,
                updated_at = GREATEST(@now, updated_at + interval '1 microsecond')
            WHERE id = ANY(ARRAY(SELECT id FROM next))
            RETURNING {JobColumns.All}
        ), started AS (
            INSERT INTO job_events (job_id, type, from_status, to_status, at, actor, data)
            SELECT id, 'started', 'queued', 'running', @now, @actor, jsonb_build_object('attempt', attempt)
            FROM claimed ORDER BY priority DESC, scheduled_at, created_at
        )
        SELECT {JobColumns.All} FROM claimed ORDER BY priority DESC, scheduled_at, created_at
        """;

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
        SELECT i.job_id FROM input i LEFT JOIN extended e ON e.id = i.job_id
        WHERE e.id IS NULL OR e.cancel_requested
        ORDER BY i.ord
        """;

    /// <summary>Progress counters of running jobs; moves <c>updated_at</c>, logs no event.</summary>
    private const string WriteProgress = """
        WITH progress AS (
            SELECT * FROM unnest(@ids::uuid[], @records_processed::bigint[], @records_failed::bigint[], @records_total::bigint[],
                @repeats::integer[])
                AS p (job_id, new_processed, new_failed, new_total, repeats)
        ), locked AS (
            SELECT id, status FROM jobs WHERE id = ANY(@ids) ORDER BY id FOR UPDATE
        )
        UPDATE jobs
        SET records_processed = p.new_processed, records_failed = p.new_failed, records_total = p.new_total,
            updated_at = GREATEST(@now, updated_at + interval '1 microsecond') + p.repeats * interval '1 microsecond'
        FROM progress p
        WHERE jobs.id = p.job_id AND jobs.id = ANY(ARRAY(SELECT id FROM locked WHERE status = 'running'))
        """;

    /// <summary>
    /// Locks the rows by primary key only; owner and status are checked on the loaded state. A filter on status
    /// here lets the planner pick the status index and walk every running (and dead) entry under load.
    /// </summary>
    private const string LoadLeasedStates = $"""
        SELECT {JobColumns.State} FROM jobs
        WHERE id = ANY(@ids)
        ORDER BY id
        FOR UPDATE
        """;

    private const string LoadExpiredStates = $"""
        SELECT {JobColumns.State} FROM jobs
        WHERE status = 'running' AND lease_expires_at < @now
        ORDER BY lease_expires_at
        LIMIT @max
        FOR UPDATE SKIP LOCKED
        """;

    /// <summary>
    /// Writes planned changes (rows already locked by this transaction) from parallel arrays, with each change's
    /// event, in one statement. Progress travels with a completion so it needs no statement of its own.
    /// </summary>
    private const string WriteChangesBody = $"""
        WITH change AS (
            SELECT * FROM unnest(@id::uuid[], @status::text[], @attempt::integer[], @max_attempts::integer[],
                @cancel_requested_at::timestamptz[], @lease_owner::text[], @lease_expires_at::timestamptz[],
                @completed_at::timestamptz[], @scheduled_at::timestamptz[], @error::text[], @error_ref::text[],
                @updated_at::timestamptz[], @event_type::text[], @from_status::text[], @event_data::jsonb[],
                @has_progress::boolean[], @records_processed::bigint[], @records_failed::bigint[], @records_total::bigint[])
                WITH ORDINALITY AS c (job_id, new_status, new_attempt, new_max_attempts, new_cancel_requested_at,
                    new_lease_owner, new_lease_expires_at, new_completed_at, new_scheduled_at, new_error, new_error_ref,
                    new_updated_at, event_type, from_status, event_data, has_progress, new_records_processed,
                    new_records_failed, new_records_total, ord)
        ), changed AS (
            UPDATE jobs
            SET status = c.new_status, attempt = c.new_attempt, max_attempts = c.new_max_attempts,
                cancel_requested_at = c.new_cancel_requested_at, lease_owner = c.new_lease_owner,
                lease_expires_at = c.new_lease_expires_at, completed_at = c.new_completed_at,
                scheduled_at = c.new_scheduled_at, error = c.new_error, error_ref = c.new_error_ref,
                updated_at = c.new_updated_at,
                records_processed = CASE WHEN c.has_progress THEN c.new_records_processed ELSE jobs.records_processed END,
                records_failed = CASE WHEN c.has_progress THEN c.new_records_failed ELSE jobs.records_failed END,
                records_total = CASE WHEN c.has_progress THEN c.new_records_total ELSE jobs.records_total END
            FROM change c
            WHERE jobs.id = c.job_id AND jobs.id = ANY(@id)
            RETURNING {JobColumns.All}
        ), logged AS (
            INSERT INTO job_events (job_id, type, from_status, to_status, at, actor, audit_id, data)
            SELECT c.job_id, c.event_type, c.from_status, c.new_status, c.new_updated_at, @actor, @audit_id::uuid, c.event_data
            FROM change c WHERE c.job_id IN (SELECT id FROM changed) ORDER BY c.ord
        )
        """;

    private const string WriteChanges = WriteChangesBody + "SELECT count(*) FROM changed";

    private const string WriteChangesReturning = WriteChangesBody + $"SELECT {JobColumns.All} FROM changed";

    private const string CountKeys = "SELECT count(*) FROM api_keys";

    private const string InsertKey = """
        INSERT INTO api_keys (id, prefix, hash, name, role, created_at, expires_at)
        VALUES (@id, @prefix, @hash, @name, @role, @created_at, @expires_at)
        """;

    private const string KeyColumns = "id, prefix, hash, name, role, created_at, last_used_at, expires_at, revoked_at";

    private const string SelectKeyByPrefix = $"SELECT {KeyColumns} FROM api_keys WHERE prefix = @prefix";

    private const string SelectKeys = $"SELECT {KeyColumns} FROM api_keys ORDER BY created_at, id";

    private const string RevokeKey = "UPDATE api_keys SET revoked_at = @now WHERE id = @id AND revoked_at IS NULL";

    private const string SelectKey = $"SELECT {KeyColumns} FROM api_keys WHERE id = @id";

    private const string TouchKey = "UPDATE api_keys SET last_used_at = @at WHERE id = @id AND (last_used_at IS NULL OR last_used_at < @at)";

    /// <summary>The advisory lock that makes one transaction at a time the audit chain's appender: "AuditLog" in ASCII.</summary>
    private const long AuditLock = 0x41756469744C6F67;

    private const string TakeAuditLock = "SELECT pg_advisory_xact_lock(@key)";

    private const string SelectAuditHead = "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1";

    private const string AuditColumns = "seq, id, at, actor, role, action, target, outcome, request_id, remote_ip, details, prev_hash, hash";

    private const string InsertAudit = $"""
        INSERT INTO audit_events ({AuditColumns})
        VALUES (@seq, @id, @at, @actor, @role, @action, @target, @outcome, @request_id, @remote_ip, @details, @prev_hash, @hash)
        """;

    private const string SelectAuditChain = $"SELECT {AuditColumns} FROM audit_events WHERE seq > @after ORDER BY seq LIMIT @limit";

    private readonly NpgsqlDataSource _dataSource;
    private readonly bool _ownsDataSource;
    private readonly TimeProvider _time;
    private readonly ILogger<PostgresJobStore> _logger;
    private readonly QueueSignalHub _signals = new();
    private readonly PostgresQueueListener _listener;

    public PostgresJobStore(NpgsqlDataSource dataSource, TimeProvider time, ILogger<PostgresJobStore> logger)
        : this(dataSource, ownsDataSource: false, time, logger)
    {
    }

    private PostgresJobStore(NpgsqlDataSource dataSource, bool ownsDataSource, TimeProvider time, ILogger<PostgresJobStore> logger)
    {
        _dataSource = dataSource;
        _ownsDataSource = ownsDataSource;
        _time = time;
        _logger = logger;
        _listener = new PostgresQueueListener(dataSource, _signals, Channel, logger);
    }

    /// <summary>A store over its own data source for <paramref name="connectionString"/>, disposed with the store.</summary>
    public static PostgresJobStore Create(string connectionString, TimeProvider time, ILoggerFactory? loggerFactory = null)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        if (loggerFactory is not null) builder.UseLoggerFactory(loggerFactory);
        var logger = loggerFactory?.CreateLogger<PostgresJobStore>() ?? NullLogger<PostgresJobStore>.Instance;
        return new PostgresJobStore(builder.Build(), ownsDataSource: true, time, logger);
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

    public async Task<CreateOutcome> CreateAsync(NewJob job, AuditContext audit, CancellationToken ct)
    {
        var now = Now();
        CreateOutcome outcome;
        await using (var tx = await PostgresTransaction.StartAsync(_dataSource, ct))
        {
            // Every audited create holds the audit lock, so looking the key up first cannot race another create.
            NpgsqlBatchCommand[] find = [];
            if (job.IdempotencyKey is not null)
            {
                var select = new NpgsqlBatchCommand(SelectByIdempotencyKey);
                Add(select.Parameters, "key", job.IdempotencyKey);
                find = [select];
            }
            var (head, existing) = await LockAuditHeadAsync(tx, find, ct);
            if (existing is { } found)
            {
                var conflict = !string.Equals(found.RequestHash, job.RequestHash, StringComparison.Ordinal);
                await tx.CommitAsync(ct, AppendAuditCommand(head, audit, found.Job.Id.ToString(),
                    conflict ? AuditOutcomes.Rejected : AuditOutcomes.NoOp));
                return new CreateOutcome(found.Job, Created: false, IdempotencyConflict: conflict);
            }
            // The same statement as a batch of one: the audit lock and the key lookup above already rule out a clash.
            var insert = InsertJobsCommand([job], now, audit.Id);
            await tx.CommitAsync(ct, insert, AppendAuditCommand(head, audit, job.Id.ToString(), AuditOutcomes.Applied));
            outcome = new CreateOutcome(QueuedJob.From(job, now), Created: true);
        }
        _signals.Signal();
        return outcome;
    }

    public async Task<IReadOnlyList<Job>> CreateBatchAsync(IReadOnlyList<NewJob> jobs, AuditContext audit, CancellationToken ct)
    {
        var now = Now();
        await using (var tx = await PostgresTransaction.StartAsync(_dataSource, ct))
        {
            var (head, _) = await LockAuditHeadAsync(tx, [], ct);
            NpgsqlBatchCommand[] insert = jobs.Count > 0 ? [InsertJobsCommand(jobs, now, audit.Id)] : [];
            await tx.CommitAsync(ct, [.. insert, AppendAuditCommand(head, audit, null, AuditOutcomes.Applied)]);
        }
        _signals.Signal();
        return jobs.Select(j => QueuedJob.From(j, now)).ToList();
    }

    /// <summary>One statement (so one transaction even outside an explicit one) that inserts every job and its event.</summary>
    private static NpgsqlBatchCommand InsertJobsCommand(IReadOnlyList<NewJob> jobs, DateTimeOffset now, Guid? auditId)
    {
        var n = jobs.Count;
        var insert = new NpgsqlBatchCommand(InsertJobs);
        var p = insert.Parameters;
        Add(p, "id", Column(jobs, n, j => j.Id));
        Add(p, "type", Column(jobs, n, j => j.Type));
        Add(p, "source_type", Column(jobs, n, j => j.SourceType));
        Add(p, "source_uri", Column(jobs, n, j => j.SourceUri));
        Add(p, "file_name", Column(jobs, n, j => j.FileName));
        Add(p, "file_size", Column(jobs, n, j => j.FileSize));
        Add(p, "mime_type", Column(jobs, n, j => j.MimeType));
        Add(p, "mode", Column(jobs, n, j => j.Mode));
        Add(p, "priority", Column(jobs, n, j => j.Priority));
        Add(p, "metadata", Column(jobs, n, QueuedJob.MetadataJson));
        Add(p, "session_id", Column(jobs, n, j => j.SessionId));
        Add(p, "dataset", Column(jobs, n, j => j.Dataset));
        Add(p, "max_attempts", Column(jobs, n, j => j.MaxAttempts));
        Add(p, "scheduled_at", Column(jobs, n, j => QueuedJob.ScheduledAt(j, now)));
        Add(p, "retry_of", Column(jobs, n, j => j.RetryOf));
        Add(p, "idempotency_key", Column(jobs, n, j => j.IdempotencyKey));
        Add(p, "request_hash", Column(jobs, n, j => j.RequestHash));
        Add(p, "created_by", Column(jobs, n, j => j.CreatedBy));
        Add(p, "synthetic", Column(jobs, n, j => j.Synthetic));
        Add(p, "event_data", Column(jobs, n, QueuedJob.CreatedEventData));
        Add(p, "now", now);
        Add(p, "audit_id", auditId);
        return insert;
    }

    public async Task<Job?> GetAsync(Guid id, CancellationToken ct)
    {
        await using var command = _dataSource.CreateCommand(SelectJob);
        Add(command, "id", id);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? PostgresRows.ReadJob(reader) : null;
    }

    public async Task<JobPage> ListAsync(JobQuery query, CancellationToken ct)
    {
        var sql = new JobListSql(query, t => t.Truncate(), g => g);
        // One statement, so the total and the page read the same snapshot; the outer join keeps the total
        // when the page is empty.
        await using var command = _dataSource.CreateCommand($"""
            WITH total AS (SELECT count(*) AS total FROM jobs WHERE {sql.Filter})
            SELECT total.total, page.* FROM total LEFT JOIN LATERAL (
                SELECT {JobColumns.All} FROM jobs
                WHERE {sql.PageFilter}
                ORDER BY {sql.OrderBy}
                LIMIT @limit OFFSET @offset) page ON true
            ORDER BY {sql.OrderBy}
            """);
        foreach (var (name, value) in sql.PageParameters) command.Parameters.AddWithValue(name, value);
        Add(command, "limit", query.Limit + 1);
        Add(command, "offset", query.After is null ? (long)(query.Page - 1) * query.Limit : 0L);
        long total = 0;
        var rows = new List<Job>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            total = reader.GetInt64(0);
            if (!reader.IsDBNull(1)) rows.Add(PostgresRows.ReadJob(reader, 1));
        }
        return JobPages.From(rows, total, query);
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

    public async Task<OperationOutcome> ApplyAsync(Guid id, JobOperation operation, AuditContext audit, CancellationToken ct)
    {
        OperationOutcome outcome;
        await using (var tx = await PostgresTransaction.StartAsync(_dataSource, ct))
        {
            // The job's row lock first, then the audit lock: every path takes them in this order.
            var job = await LockJobAsync(tx, id, withRetry: false, ct);
            var (head, _) = await LockAuditHeadAsync(tx, [], ct);
            if (job is null)
            {
                await tx.CommitAsync(ct, AppendAuditCommand(head, audit, id.ToString(), AuditOutcomes.Rejected));
                return OperationOutcome.NotFound;
            }
            var state = PostgresRows.StateOf(job.Value.Job);
            var result = StatusMachine.Decide(state.Snapshot, operation);
            var logged = AppendAuditCommand(head, audit, id.ToString(), AuditOutcomes.Of(result));
            if (!result.IsApplied)
            {
                await tx.CommitAsync(ct, logged);
                outcome = new OperationOutcome(job.Value.Job, result);
            }
            else
            {
                var change = JobChanges.Plan(state, operation, result, Now(), TransitionInput.None);
                await using var reader = await tx.CommitReadingAsync(ct,
                    [.. WriteChangesCommands([change], progress: null, audit.Actor, returning: true, audit.Id), logged]);
                outcome = new OperationOutcome((await ReadToEndAsync(reader, ct))[0], result);
            }
        }
        if (outcome.Transition is { IsApplied: true, To: JobStatus.Queued }) _signals.Signal();
        return outcome;
    }

    /// <summary>Locks the job's row and reads it; with <paramref name="withRetry"/>, also whether a retry-as-new of it exists.</summary>
    private static async Task<(Job Job, bool HasRetry)?> LockJobAsync(PostgresTransaction tx, Guid id, bool withRetry, CancellationToken ct)
    {
        var lockJob = new NpgsqlBatchCommand(LockJob);
        Add(lockJob.Parameters, "id", id);
        // A statement of its own, after the lock: its snapshot sees a retry committed while we waited.
        var hasRetry = new NpgsqlBatchCommand(HasRetry);
        Add(hasRetry.Parameters, "id", id);
        await using var reader = withRetry ? await tx.ReadAsync(ct, lockJob, hasRetry) : await tx.ReadAsync(ct, lockJob);
        if (!await reader.ReadAsync(ct)) return null;
        var job = PostgresRows.ReadJob(reader);
        var retried = withRetry && await reader.NextResultAsync(ct) && await reader.ReadAsync(ct) && reader.GetBoolean(0);
        return (job, retried);
    }

    public async Task<RetryAsNewOutcome> RetryAsNewAsync(Guid id, Func<Job, NewJob> buildRetry, AuditContext audit, CancellationToken ct)
    {
        RetryAsNewOutcome outcome;
        await using (var tx = await PostgresTransaction.StartAsync(_dataSource, ct))
        {
            var locked = await LockJobAsync(tx, id, withRetry: true, ct);
            var (head, _) = await LockAuditHeadAsync(tx, [], ct);
            if (locked is not { } found)
            {
                await tx.CommitAsync(ct, AppendAuditCommand(head, audit, id.ToString(), AuditOutcomes.Rejected));
                return RetryAsNewOutcome.NotFound;
            }
            var state = PostgresRows.StateOf(found.Job, found.HasRetry);
            var result = StatusMachine.Decide(state.Snapshot, JobOperation.RetryAsNew);
            var logged = AppendAuditCommand(head, audit, id.ToString(), AuditOutcomes.Of(result));
            if (result.IsApplied)
            {
                var now = Now();
                var newJob = buildRetry(found.Job) with { RetryOf = id };
                var change = JobChanges.Plan(state, JobOperation.RetryAsNew, result, now, TransitionInput.None)
                    with { EventData = $$"""{"retry_id":"{{newJob.Id}}"}""" };
                // The new job (and its created event) first, then the original's change: the order SQLite writes them in.
                await using var reader = await tx.CommitReadingAsync(ct,
                    [InsertJobsCommand([newJob], now, audit.Id), .. WriteChangesCommands([change], progress: null, audit.Actor, returning: true, audit.Id),
                        logged]);
                await reader.NextResultAsync(ct);
                outcome = new RetryAsNewOutcome((await ReadToEndAsync(reader, ct))[0], QueuedJob.From(newJob, now), result);
            }
            else if (result.Kind == TransitionKind.NoOp)
            {
                var find = new NpgsqlBatchCommand(SelectRetryJob);
                Add(find.Parameters, "id", id);
                await using var reader = await tx.CommitReadingAsync(ct, find, logged);
                outcome = new RetryAsNewOutcome(found.Job, (await ReadToEndAsync(reader, ct))[0], result);
            }
            else
            {
                await tx.CommitAsync(ct, logged);
                outcome = new RetryAsNewOutcome(found.Job, null, result);
            }
        }
        if (outcome.Transition is { IsApplied: true }) _signals.Signal();
        return outcome;
    }

    public async Task<IReadOnlyList<Job>> ClaimAsync(string owner, int max, TimeSpan lease, CancellationToken ct)
    {
        if (max <= 0) return [];
        var now = Now();
        await using var connection = await _dataSource.OpenConnectionAsync(ct);
        await using var claim = new NpgsqlCommand(ClaimJobs, connection);
        Add(claim, "now", now);
        Add(claim, "max", max);
        Add(claim, "owner", owner);
        Add(claim, "actor", WorkerActor(owner));
        Add(claim, "lease_expires_at", (now + lease).Truncate());
        await claim.PrepareAsync(ct);
        await using var reader = await claim.ExecuteReaderAsync(ct);
        return await PostgresRows.ReadJobsAsync(reader, ct);
    }

    public async Task<IReadOnlyList<Guid>> HeartbeatAsync(string owner, IReadOnlyCollection<Guid> ids, TimeSpan lease, CancellationToken ct)
    {
        if (ids.Count == 0) return [];
        var now = Now();
        await using var connection = await _dataSource.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand(Heartbeat, connection);
        Add(command, "ids", ids.ToArray());
        Add(command, "owner", owner);
        Add(command, "lease_expires_at", (now + lease).Truncate());
        await command.PrepareAsync(ct);
        var stop = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) stop.Add(reader.GetGuid(0));
        return stop;
    }

    public async Task<int> CompleteAsync(string owner, IReadOnlyList<Completion> completions, CancellationToken ct)
    {
        if (completions.Count == 0) return 0;
        var byId = completions.ToDictionary(c => c.Id);
        List<JobChange> changes;
        await using (var tx = await PostgresTransaction.StartAsync(_dataSource, ct))
        {
            var states = await LoadLeasedStatesAsync(tx, owner, byId.Keys, ct);
            var now = Now();
            changes = new List<JobChange>(states.Count);
            var progressOnly = new List<ProgressUpdate>();
            foreach (var state in states)
            {
                var completion = byId[state.Id];
                if (JobChanges.Plan(state, completion.Operation, now, completion.Input) is { } change) changes.Add(change);
                else if (completion.Progress is { } progress) progressOnly.Add(progress);
            }
            NpgsqlBatchCommand[] progressCommand = progressOnly.Count > 0 ? [WriteProgressCommand(progressOnly, now)] : [];
            await tx.CommitAsync(ct, [.. progressCommand, .. WriteChangesCommands(changes, id => byId[id].Progress, WorkerActor(owner), returning: false)]);
        }
        if (changes.Any(c => c.After.Status == JobStatus.Queued)) _signals.Signal();
        return changes.Count;
    }

    public async Task FlushProgressAsync(IReadOnlyList<ProgressUpdate> updates, CancellationToken ct)
    {
        if (updates.Count == 0) return;
        await using var connection = await _dataSource.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(connection) { BatchCommands = { WriteProgressCommand(updates, Now()) } };
        await batch.PrepareAsync(ct);
        await batch.ExecuteNonQueryAsync(ct);
    }

    private static NpgsqlBatchCommand WriteProgressCommand(IReadOnlyList<ProgressUpdate> updates, DateTimeOffset now)
    {
        // Several updates of one job mean what applying them one after another means: the last counters
        // win, and updated_at moves once per update.
        var latest = new Dictionary<Guid, (ProgressUpdate Update, int Repeats)>();
        foreach (var update in updates)
        {
            latest[update.Id] = latest.TryGetValue(update.Id, out var seen) ? (update, seen.Repeats + 1) : (update, 0);
        }
        var rows = latest.Values.ToList();
        var command = new NpgsqlBatchCommand(WriteProgress);
        var p = command.Parameters;
        Add(p, "ids", Column(rows, rows.Count, u => u.Update.Id));
        Add(p, "records_processed", Column(rows, rows.Count, u => u.Update.RecordsProcessed));
        Add(p, "records_failed", Column(rows, rows.Count, u => u.Update.RecordsFailed));
        Add(p, "records_total", Column(rows, rows.Count, u => u.Update.RecordsTotal));
        Add(p, "repeats", Column(rows, rows.Count, u => u.Repeats));
        Add(p, "now", now);
        return command;
    }

    public async Task<int> RescueExpiredAsync(int max, CancellationToken ct)
    {
        if (max <= 0) return 0;
        List<JobChange> changes;
        await using (var tx = await PostgresTransaction.StartAsync(_dataSource, ct))
        {
            var now = Now();
            var load = new NpgsqlBatchCommand(LoadExpiredStates);
            Add(load.Parameters, "now", now);
            Add(load.Parameters, "max", max);
            var states = await ReadStatesAsync(await tx.ReadAsync(ct, load), ct);
            changes = states.Select(s => JobChanges.Plan(s, JobOperation.Rescue, now)).OfType<JobChange>().ToList();
            await tx.CommitAsync(ct, WriteChangesCommands(changes, progress: null, "sweeper", returning: false));
        }
        if (changes.Any(c => c.After.Status == JobStatus.Queued)) _signals.Signal();
        return changes.Count;
    }

    public async Task<int> ReleaseAsync(string owner, IReadOnlyCollection<Guid> ids, CancellationToken ct)
    {
        if (ids.Count == 0) return 0;
        List<JobChange> changes;
        await using (var tx = await PostgresTransaction.StartAsync(_dataSource, ct))
        {
            var states = await LoadLeasedStatesAsync(tx, owner, ids, ct);
            var now = Now();
            changes = states.Select(s => JobChanges.Plan(s, JobOperation.Release, now)).OfType<JobChange>().ToList();
            await tx.CommitAsync(ct, WriteChangesCommands(changes, progress: null, WorkerActor(owner), returning: false));
        }
        if (changes.Count > 0) _signals.Signal();
        return changes.Count;
    }

    public async Task<IQueueSignal> SubscribeAsync(CancellationToken ct)
    {
        await _listener.EnsureStartedAsync(ct);
        return _signals.Subscribe();
    }

    public async Task<long> CountKeysAsync(CancellationToken ct)
    {
        await using var command = _dataSource.CreateCommand(CountKeys);
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    public async Task InsertKeyAsync(ApiKeyRecord key, AuditContext audit, CancellationToken ct)
    {
        await using var tx = await PostgresTransaction.StartAsync(_dataSource, ct);
        var (head, _) = await LockAuditHeadAsync(tx, [], ct);
        var insert = new NpgsqlBatchCommand(InsertKey);
        var p = insert.Parameters;
        Add(p, "id", key.Id);
        Add(p, "prefix", key.Prefix);
        Add(p, "hash", key.Hash);
        Add(p, "name", key.Name);
        Add(p, "role", key.Role);
        Add(p, "created_at", key.CreatedAt.Truncate());
        Add(p, "expires_at", key.ExpiresAt?.Truncate());
        await tx.CommitAsync(ct, insert, AppendAuditCommand(head, audit, key.Id.ToString(), AuditOutcomes.Applied));
    }

    public async Task<ApiKeyRecord?> FindKeyByPrefixAsync(string prefix, CancellationToken ct)
    {
        await using var command = _dataSource.CreateCommand(SelectKeyByPrefix);
        Add(command, "prefix", prefix);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadKey(reader) : null;
    }

    public async Task<IReadOnlyList<ApiKeyRecord>> ListKeysAsync(CancellationToken ct)
    {
        await using var command = _dataSource.CreateCommand(SelectKeys);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var keys = new List<ApiKeyRecord>();
        while (await reader.ReadAsync(ct)) keys.Add(ReadKey(reader));
        return keys;
    }

    public async Task<ApiKeyRecord?> RevokeKeyAsync(Guid id, AuditContext audit, CancellationToken ct)
    {
        await using var tx = await PostgresTransaction.StartAsync(_dataSource, ct);
        var (head, _) = await LockAuditHeadAsync(tx, [], ct);
        var revoke = new NpgsqlBatchCommand(RevokeKey);
        Add(revoke.Parameters, "now", Now());
        Add(revoke.Parameters, "id", id);
        var select = new NpgsqlBatchCommand(SelectKey);
        Add(select.Parameters, "id", id);
        ApiKeyRecord? key = null;
        int changed;
        await using (var reader = await tx.ReadAsync(ct, revoke, select))
        {
            if (await reader.ReadAsync(ct)) key = ReadKey(reader);
            while (await reader.NextResultAsync(ct))
            {
            }
            changed = reader.RecordsAffected;
        }
        var outcome = key is null ? AuditOutcomes.Rejected : changed == 1 ? AuditOutcomes.Applied : AuditOutcomes.NoOp;
        await tx.CommitAsync(ct, AppendAuditCommand(head, audit, id.ToString(), outcome));
        return key;
    }

    public async Task TouchKeyAsync(Guid id, DateTimeOffset at, CancellationToken ct)
    {
        await using var command = _dataSource.CreateCommand(TouchKey);
        Add(command, "at", at.Truncate());
        Add(command, "id", id);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static ApiKeyRecord ReadKey(NpgsqlDataReader reader) =>
        new(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
            reader.GetString(4), PostgresRows.Time(reader, 5), PostgresRows.NullableTime(reader, 6),
            PostgresRows.NullableTime(reader, 7), PostgresRows.NullableTime(reader, 8));

    public async Task<AuditEvent> AppendAuditAsync(AuditContext audit, string? target, string outcome, CancellationToken ct)
    {
        await using var tx = await PostgresTransaction.StartAsync(_dataSource, ct);
        var (head, _) = await LockAuditHeadAsync(tx, [], ct);
        var e = AuditChain.Link(head.Seq, head.Hash, audit, Now(), target, outcome);
        await tx.CommitAsync(ct, InsertAuditCommand(e));
        return e;
    }

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
        command.CommandText = $"SELECT {AuditColumns} FROM audit_events {(where.Count == 0 ? "" : "WHERE " + string.Join(" AND ", where))} " +
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
        while (await r.ReadAsync(ct))
        {
            events.Add(new AuditEvent(r.GetInt64(0), r.GetGuid(1), PostgresRows.Time(r, 2), r.GetString(3), r.GetString(4), r.GetString(5),
                PostgresRows.Text(r, 6), r.GetString(7), PostgresRows.Text(r, 8), PostgresRows.Text(r, 9), r.GetString(10),
                r.GetString(11), r.GetString(12)));
        }
        return events;
    }

    /// <summary>
    /// Takes the audit lock (held to commit) and reads the chain's head in one round trip, together with
    /// <paramref name="then"/> (read after the lock, so it sees everything committed before); returns the head and
    /// the job <paramref name="then"/> found, with its request hash.
    /// </summary>
    private static async Task<((long Seq, string Hash) Head, (Job Job, string? RequestHash)? Found)> LockAuditHeadAsync(
        PostgresTransaction tx, NpgsqlBatchCommand[] then, CancellationToken ct)
    {
        var take = new NpgsqlBatchCommand(TakeAuditLock);
        Add(take.Parameters, "key", AuditLock);
        await using var reader = await tx.ReadAsync(ct, [take, new NpgsqlBatchCommand(SelectAuditHead), .. then]);
        await reader.NextResultAsync(ct);
        (long, string) head = await reader.ReadAsync(ct) ? (reader.GetInt64(0), reader.GetString(1)) : (0, AuditChain.Genesis);
        (Job, string?)? found = null;
        if (then.Length > 0 && await reader.NextResultAsync(ct) && await reader.ReadAsync(ct))
            found = (PostgresRows.ReadJob(reader), PostgresRows.Text(reader, 32));
        while (await reader.NextResultAsync(ct))
        {
        }
        return (head, found);
    }

    private NpgsqlBatchCommand AppendAuditCommand((long Seq, string Hash) head, AuditContext audit, string? target, string outcome) =>
        InsertAuditCommand(AuditChain.Link(head.Seq, head.Hash, audit, Now(), target, outcome));

    private static NpgsqlBatchCommand InsertAuditCommand(AuditEvent e)
    {
        var insert = new NpgsqlBatchCommand(InsertAudit);
        var p = insert.Parameters;
        Add(p, "seq", e.Seq);
        Add(p, "id", e.Id);
        Add(p, "at", e.At);
        Add(p, "actor", e.Actor);
        Add(p, "role", e.Role);
        Add(p, "action", e.Action);
        Add(p, "target", e.Target);
        Add(p, "outcome", e.Outcome);
        Add(p, "request_id", e.RequestId);
        Add(p, "remote_ip", e.RemoteIp);
        Add(p, "details", e.Details);
        Add(p, "prev_hash", e.PrevHash);
        Add(p, "hash", e.Hash);
        return insert;
    }

    public async ValueTask DisposeAsync()
    {
        await _listener.DisposeAsync();
        if (_ownsDataSource) await _dataSource.DisposeAsync();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private static string WorkerActor(string owner) => "worker:" + owner;

    private static async Task<List<JobState>> LoadLeasedStatesAsync(PostgresTransaction tx, string owner, IEnumerable<Guid> ids,
        CancellationToken ct)
    {
        var load = new NpgsqlBatchCommand(LoadLeasedStates);
        Add(load.Parameters, "ids", ids.ToArray());
        var states = await ReadStatesAsync(await tx.ReadAsync(ct, load), ct);
        states.RemoveAll(s => s.LeaseOwner != owner || s.Status != JobStatus.Running);
        return states;
    }

    private static async Task<List<JobState>> ReadStatesAsync(NpgsqlDataReader reader, CancellationToken ct)
    {
        await using (reader)
        {
            var states = new List<JobState>();
            while (await reader.ReadAsync(ct)) states.Add(PostgresRows.ReadState(reader));
            return states;
        }
    }

    /// <summary>Reads the jobs of the current result set, then drains the rest so that a failed COMMIT surfaces.</summary>
    private static async Task<List<Job>> ReadToEndAsync(NpgsqlDataReader reader, CancellationToken ct)
    {
        var jobs = await PostgresRows.ReadJobsAsync(reader, ct);
        while (await reader.NextResultAsync(ct))
        {
        }
        return jobs;
    }

    /// <summary>
    /// The statement that writes <paramref name="changes"/> (rows this transaction has locked) and their events,
    /// plus a NOTIFY (delivered on commit) when one of them re-queues a job. Nothing when there is no change.
    /// </summary>
    private static NpgsqlBatchCommand[] WriteChangesCommands(IReadOnlyList<JobChange> changes,
        Func<Guid, ProgressUpdate?>? progress, string actor, bool returning, Guid? auditId = null)
    {
        if (changes.Count == 0) return [];
        var n = changes.Count;
        var updates = changes.Select(c => progress?.Invoke(c.After.Id)).ToList();
        var write = new NpgsqlBatchCommand(returning ? WriteChangesReturning : WriteChanges);
        var p = write.Parameters;
        Add(p, "id", Column(changes, n, c => c.After.Id));
        Add(p, "status", Column(changes, n, c => c.After.Status.ToName()));
        Add(p, "attempt", Column(changes, n, c => c.After.Attempt));
        Add(p, "max_attempts", Column(changes, n, c => c.After.MaxAttempts));
        Add(p, "cancel_requested_at", Column(changes, n, c => c.After.CancelRequestedAt?.Truncate()));
        Add(p, "lease_owner", Column(changes, n, c => c.After.LeaseOwner));
        Add(p, "lease_expires_at", Column(changes, n, c => c.After.LeaseExpiresAt?.Truncate()));
        Add(p, "completed_at", Column(changes, n, c => c.After.CompletedAt?.Truncate()));
        Add(p, "scheduled_at", Column(changes, n, c => c.After.ScheduledAt.Truncate()));
        Add(p, "error", Column(changes, n, c => c.After.Error));
        Add(p, "error_ref", Column(changes, n, c => c.After.ErrorRef));
        Add(p, "updated_at", Column(changes, n, c => c.After.UpdatedAt.Truncate()));
        Add(p, "event_type", Column(changes, n, c => c.EventType));
        Add(p, "from_status", Column(changes, n, c => c.Before.Status.ToName()));
        Add(p, "event_data", Column(changes, n, c => c.EventData));
        Add(p, "has_progress", Column(updates, n, u => u is not null));
        Add(p, "records_processed", Column(updates, n, u => u?.RecordsProcessed ?? 0));
        Add(p, "records_failed", Column(updates, n, u => u?.RecordsFailed ?? 0));
        Add(p, "records_total", Column(updates, n, u => u?.RecordsTotal));
        Add(p, "actor", actor);
        Add(p, "audit_id", auditId);
        // A failed or cancelled job leaves no rows in its dataset.
        var commands = new List<NpgsqlBatchCommand> { write };
        var purged = changes.Where(c => c.After.Status is JobStatus.Failed or JobStatus.Cancelled).Select(c => c.After.Id).ToArray();
        if (purged.Length > 0) commands.Add(PurgeRecordsCommand(purged));
        if (changes.Any(c => c.After.Status == JobStatus.Queued)) commands.Add(new NpgsqlBatchCommand(Notify));
        return [.. commands];
    }

    private static T[] Column<TRow, T>(IReadOnlyList<TRow> rows, int count, Func<TRow, T> select)
    {
        var values = new T[count];
        for (var i = 0; i < count; i++) values[i] = select(rows[i]);
        return values;
    }

    private static void Add<T>(NpgsqlCommand command, string name, T value) => Add(command.Parameters, name, value);

    private static void Add<T>(NpgsqlParameterCollection parameters, string name, T value) =>
        parameters.Add(new NpgsqlParameter<T>(name, value));
}
