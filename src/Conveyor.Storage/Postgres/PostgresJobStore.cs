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
public sealed partial class PostgresJobStore : IJobStore, IApiKeyStore, IRecordStore, IAsyncDisposable, IDisposable
{
    /// <summary>The NOTIFY channel that tells workers on every node that work is due.</summary>
    public const string Channel = "conveyor_jobs";

    private const string Prefix = "Conveyor.Storage.Postgres.Migrations.";

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

    /// <summary>One job, its <c>created</c> event and (when due) a NOTIFY; nothing when its idempotency key exists.</summary>
    private const string InsertJob = $"""
        WITH inserted AS (
            INSERT INTO jobs ({InsertedColumns})
            VALUES (@id, @type, @source_type, @source_uri, @file_name, @file_size, @mime_type, @mode, @priority, @metadata::jsonb,
                @session_id, @dataset, 'queued', 0, @max_attempts, @scheduled_at, @now, @now, @retry_of,
                @idempotency_key, @request_hash, @created_by, @synthetic)
            ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
            RETURNING id, scheduled_at
        ), created AS (
            INSERT INTO job_events (job_id, type, from_status, to_status, at, actor, data)
            SELECT id, 'created', NULL, 'queued', @now, @created_by, @event_data::jsonb FROM inserted
        ), wake AS (
            SELECT pg_notify('{Channel}', '') FROM inserted WHERE scheduled_at <= @now
        )
        SELECT count(*) FROM inserted LEFT JOIN wake ON true
        """;

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
            INSERT INTO job_events (job_id, type, from_status, to_status, at, actor, data)
            SELECT i.id, 'created', NULL, 'queued', @now, i.created_by, i.event_data
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
        ), purged AS (
            -- A failed or cancelled job leaves no rows in its dataset.
            DELETE FROM records WHERE job_id = ANY(ARRAY(SELECT id FROM changed WHERE status IN ('failed', 'cancelled')))
        ), logged AS (
            INSERT INTO job_events (job_id, type, from_status, to_status, at, actor, data)
            SELECT c.job_id, c.event_type, c.from_status, c.new_status, c.new_updated_at, @actor, c.event_data
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

    private const string SelectKeyByPrefix =
        "SELECT id, prefix, hash, name, role, created_at, last_used_at, expires_at, revoked_at FROM api_keys WHERE prefix = @prefix";

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
        foreach (var migration in Migration.Load(Prefix).Where(m => !applied.Contains(m.Version)))
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

    public async Task<CreateOutcome> CreateAsync(NewJob job, CancellationToken ct)
    {
        var now = Now();
        // A key whose row vanished between the conflict and the read (pruned) gets another try.
        for (var attempt = 0; ; attempt++)
        {
            await using var connection = await _dataSource.OpenConnectionAsync(ct);
            await using (var insert = new NpgsqlCommand(InsertJob, connection))
            {
                Add(insert, "id", job.Id);
                Add(insert, "type", job.Type);
                Add(insert, "source_type", job.SourceType);
                Add(insert, "source_uri", job.SourceUri);
                Add(insert, "file_name", job.FileName);
                Add(insert, "file_size", job.FileSize);
                Add(insert, "mime_type", job.MimeType);
                Add(insert, "mode", job.Mode);
                Add(insert, "priority", job.Priority);
                Add(insert, "metadata", QueuedJob.MetadataJson(job));
                Add(insert, "session_id", job.SessionId);
                Add(insert, "dataset", job.Dataset);
                Add(insert, "max_attempts", job.MaxAttempts);
                Add(insert, "scheduled_at", QueuedJob.ScheduledAt(job, now));
                Add(insert, "now", now);
                Add(insert, "retry_of", job.RetryOf);
                Add(insert, "idempotency_key", job.IdempotencyKey);
                Add(insert, "request_hash", job.RequestHash);
                Add(insert, "created_by", job.CreatedBy);
                Add(insert, "synthetic", job.Synthetic);
                Add(insert, "event_data", QueuedJob.CreatedEventData(job));
                await insert.PrepareAsync(ct);
                if ((long)(await insert.ExecuteScalarAsync(ct))! == 1)
                {
                    _signals.Signal();
                    return new CreateOutcome(QueuedJob.From(job, now), Created: true);
                }
            }

            // Only an idempotency key can make the insert do nothing: return the job that holds it.
            await using var find = new NpgsqlCommand(SelectByIdempotencyKey, connection);
            Add(find, "key", job.IdempotencyKey);
            await using var reader = await find.ExecuteReaderAsync(ct);
            if (await reader.ReadAsync(ct))
            {
                var existing = PostgresRows.ReadJob(reader);
                var hash = PostgresRows.Text(reader, 32);
                return new CreateOutcome(existing, Created: false,
                    IdempotencyConflict: !string.Equals(hash, job.RequestHash, StringComparison.Ordinal));
            }
            if (attempt >= 2)
                throw new InvalidOperationException("A job with this idempotency key kept appearing and disappearing.");
        }
    }

    public async Task<IReadOnlyList<Job>> CreateBatchAsync(IReadOnlyList<NewJob> jobs, CancellationToken ct)
    {
        if (jobs.Count > 0)
        {
            var now = Now();
            await using var connection = await _dataSource.OpenConnectionAsync(ct);
            await using var batch = new NpgsqlBatch(connection) { BatchCommands = { InsertJobsCommand(jobs, now) } };
            await batch.PrepareAsync(ct);
            await batch.ExecuteNonQueryAsync(ct);
            _signals.Signal();
            return jobs.Select(j => QueuedJob.From(j, now)).ToList();
        }
        _signals.Signal();
        return [];
    }

    /// <summary>One statement (so one transaction even outside an explicit one) that inserts every job and its event.</summary>
    private static NpgsqlBatchCommand InsertJobsCommand(IReadOnlyList<NewJob> jobs, DateTimeOffset now)
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

    public async Task<OperationOutcome> ApplyAsync(Guid id, JobOperation operation, string actor, CancellationToken ct)
    {
        OperationOutcome outcome;
        await using (var tx = await PostgresTransaction.StartAsync(_dataSource, ct))
        {
            var job = await LockJobAsync(tx, id, withRetry: false, ct);
            if (job is null)
            {
                await tx.CommitAsync(ct);
                return OperationOutcome.NotFound;
            }
            var state = PostgresRows.StateOf(job.Value.Job);
            var result = StatusMachine.Decide(state.Snapshot, operation);
            if (!result.IsApplied)
            {
                await tx.CommitAsync(ct);
                outcome = new OperationOutcome(job.Value.Job, result);
            }
            else
            {
                var change = JobChanges.Plan(state, operation, result, Now(), TransitionInput.None);
                await using var reader = await tx.CommitReadingAsync(ct, WriteChangesCommands([change], progress: null, actor, returning: true));
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

    public async Task<RetryAsNewOutcome> RetryAsNewAsync(Guid id, Func<Job, NewJob> buildRetry, string actor, CancellationToken ct)
    {
        RetryAsNewOutcome outcome;
        await using (var tx = await PostgresTransaction.StartAsync(_dataSource, ct))
        {
            var locked = await LockJobAsync(tx, id, withRetry: true, ct);
            if (locked is not { } found)
            {
                await tx.CommitAsync(ct);
                return RetryAsNewOutcome.NotFound;
            }
            var state = PostgresRows.StateOf(found.Job, found.HasRetry);
            var result = StatusMachine.Decide(state.Snapshot, JobOperation.RetryAsNew);
            if (result.IsApplied)
            {
                var now = Now();
                var newJob = buildRetry(found.Job) with { RetryOf = id };
                var change = JobChanges.Plan(state, JobOperation.RetryAsNew, result, now, TransitionInput.None)
                    with { EventData = $$"""{"retry_id":"{{newJob.Id}}"}""" };
                // The new job (and its created event) first, then the original's change: the order SQLite writes them in.
                await using var reader = await tx.CommitReadingAsync(ct,
                    [InsertJobsCommand([newJob], now), .. WriteChangesCommands([change], progress: null, actor, returning: true)]);
                await reader.NextResultAsync(ct);
                outcome = new RetryAsNewOutcome((await ReadToEndAsync(reader, ct))[0], QueuedJob.From(newJob, now), result);
            }
            else if (result.Kind == TransitionKind.NoOp)
            {
                var find = new NpgsqlBatchCommand(SelectRetryJob);
                Add(find.Parameters, "id", id);
                await using var reader = await tx.CommitReadingAsync(ct, find);
                outcome = new RetryAsNewOutcome(found.Job, (await ReadToEndAsync(reader, ct))[0], result);
            }
            else
            {
                await tx.CommitAsync(ct);
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

    public async Task InsertKeyAsync(ApiKeyRecord key, CancellationToken ct)
    {
        await using var command = _dataSource.CreateCommand(InsertKey);
        Add(command, "id", key.Id);
        Add(command, "prefix", key.Prefix);
        Add(command, "hash", key.Hash);
        Add(command, "name", key.Name);
        Add(command, "role", key.Role);
        Add(command, "created_at", key.CreatedAt.Truncate());
        Add(command, "expires_at", key.ExpiresAt?.Truncate());
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task<ApiKeyRecord?> FindKeyByPrefixAsync(string prefix, CancellationToken ct)
    {
        await using var command = _dataSource.CreateCommand(SelectKeyByPrefix);
        Add(command, "prefix", prefix);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return new ApiKeyRecord(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
            reader.GetString(4), PostgresRows.Time(reader, 5), PostgresRows.NullableTime(reader, 6),
            PostgresRows.NullableTime(reader, 7), PostgresRows.NullableTime(reader, 8));
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
        Func<Guid, ProgressUpdate?>? progress, string actor, bool returning)
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
        return changes.Any(c => c.After.Status == JobStatus.Queued) ? [write, new NpgsqlBatchCommand(Notify)] : [write];
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
