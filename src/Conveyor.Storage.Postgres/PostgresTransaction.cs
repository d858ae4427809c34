using Conveyor.Core;
using Conveyor.Storage.Driver;
using Npgsql;

namespace Conveyor.Storage.Postgres;

/// <summary>
/// A READ COMMITTED transaction that costs no round trip of its own: <c>BEGIN</c> travels with the first read (the
/// locking one) and <c>COMMIT</c> with the writes, which are held until then (or until the next read, ahead of it).
/// A status change therefore costs two round trips: its locking read, and its writes with COMMIT. Disposing an
/// unfinished one rolls it back. Each operation's SQL is the constant beside the method that binds it.
/// </summary>
internal sealed class PostgresTransaction : IDriverTransaction
{
    private const string Begin = "BEGIN";
    private const string Commit = "COMMIT";

    private readonly NpgsqlConnection _connection;
    private readonly List<NpgsqlBatchCommand> _held = [];
    private bool _begun;
    private bool _finished;

    private PostgresTransaction(NpgsqlConnection connection) => _connection = connection;

    public static async Task<PostgresTransaction> StartAsync(NpgsqlDataSource dataSource, CancellationToken ct) =>
        new(await dataSource.OpenConnectionAsync(ct));

    private const string LockJobById = $"SELECT {JobColumns.All} FROM jobs WHERE id = @id FOR UPDATE";

    /// <summary>A statement of its own, after the lock: its snapshot sees a retry committed while we waited.</summary>
    private const string SelectRetryOf = $"SELECT {JobColumns.All} FROM jobs WHERE retry_of = @id";

    public async Task<LockedJob?> LockJobAsync(LockJobParams p, CancellationToken ct)
    {
        var lockJob = new NpgsqlBatchCommand(LockJobById);
        PostgresParameters.Add(lockJob.Parameters, "id", p.Id);
        var retry = new NpgsqlBatchCommand(SelectRetryOf);
        PostgresParameters.Add(retry.Parameters, "id", p.Id);
        await using var reader = p.WithRetry ? await ReadAsync(ct, lockJob, retry) : await ReadAsync(ct, lockJob);
        if (!await reader.ReadAsync(ct)) return null;
        var job = PostgresRows.ReadJob(reader);
        Job? retried = null;
        if (p.WithRetry && await reader.NextResultAsync(ct) && await reader.ReadAsync(ct)) retried = PostgresRows.ReadJob(reader);
        return new LockedJob(job, retried);
    }

    private const string LockJobsById = $"SELECT {JobColumns.All} FROM jobs WHERE id = ANY(@ids) ORDER BY id FOR UPDATE";

    private const string SelectRetriesOf = $"SELECT {JobColumns.All} FROM jobs WHERE retry_of = ANY(@ids)";

    public async Task<IReadOnlyList<LockedJob>> LockJobsAsync(LockJobsParams p, CancellationToken ct)
    {
        if (p.Ids.Count == 0) return [];
        var lockJobs = new NpgsqlBatchCommand(LockJobsById);
        PostgresParameters.Add(lockJobs.Parameters, "ids", p.Ids.ToArray());
        var retries = new NpgsqlBatchCommand(SelectRetriesOf);
        PostgresParameters.Add(retries.Parameters, "ids", p.Ids.ToArray());
        await using var reader = p.WithRetry ? await ReadAsync(ct, lockJobs, retries) : await ReadAsync(ct, lockJobs);
        var jobs = await PostgresRows.ReadJobsAsync(reader, ct);
        var byOriginal = new Dictionary<Guid, Job>();
        if (p.WithRetry && await reader.NextResultAsync(ct))
        {
            foreach (var retry in await PostgresRows.ReadJobsAsync(reader, ct)) byOriginal[retry.RetryOf!.Value] = retry;
        }
        return jobs.Select(j => new LockedJob(j, byOriginal.GetValueOrDefault(j.Id))).ToList();
    }

    /// <summary>
    /// Locks the rows by primary key only; owner and status are checked on the loaded state. A filter on status
    /// here lets the planner pick the status index and walk every running (and dead) entry under load.
    /// </summary>
    private const string LockStatesById = $"""
        SELECT {JobColumns.State} FROM jobs
        WHERE id = ANY(@ids)
        ORDER BY id
        FOR UPDATE
        """;

    public async Task<IReadOnlyList<JobState>> LockLeasedJobStatesAsync(LockLeasedJobStatesParams p, CancellationToken ct)
    {
        var load = new NpgsqlBatchCommand(LockStatesById);
        PostgresParameters.Add(load.Parameters, "ids", p.Ids.ToArray());
        var states = await ReadStatesAsync(await ReadAsync(ct, load), ct);
        states.RemoveAll(s => s.LeaseOwner != p.Owner || s.Status != JobStatus.Running);
        return states;
    }

    private const string LockExpiredStates = $"""
        SELECT {JobColumns.State} FROM jobs
        WHERE status = 'running' AND lease_expires_at < @now
        ORDER BY lease_expires_at
        LIMIT @max
        FOR UPDATE SKIP LOCKED
        """;

    public async Task<IReadOnlyList<JobState>> LockExpiredJobStatesAsync(LockExpiredJobStatesParams p, CancellationToken ct)
    {
        var load = new NpgsqlBatchCommand(LockExpiredStates);
        PostgresParameters.Add(load.Parameters, "now", p.Now);
        PostgresParameters.Add(load.Parameters, "max", p.Max);
        return await ReadStatesAsync(await ReadAsync(ct, load), ct);
    }

    /// <summary>The advisory lock that makes one transaction at a time the audit chain's appender: "AuditLog" in ASCII.</summary>
    private const long AuditLock = 0x41756469744C6F67;

    private const string TakeAuditLock = "SELECT pg_advisory_xact_lock(@key)";

    private const string SelectAuditHead = "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1";

    private const string SelectByIdempotencyKey = $"SELECT {JobColumns.All}, request_hash FROM jobs WHERE idempotency_key = @key";

    /// <summary>The lock, the head and the idempotency lookup in one round trip (the lookup after the lock, so it sees every commit before).</summary>
    public async Task<AuditChainHead> LockAuditChainAsync(LockAuditChainParams p, CancellationToken ct)
    {
        var take = new NpgsqlBatchCommand(TakeAuditLock);
        PostgresParameters.Add(take.Parameters, "key", AuditLock);
        NpgsqlBatchCommand[] commands = [take, new NpgsqlBatchCommand(SelectAuditHead)];
        if (p.IdempotencyKey is { } key)
        {
            var find = new NpgsqlBatchCommand(SelectByIdempotencyKey);
            PostgresParameters.Add(find.Parameters, "key", key);
            commands = [.. commands, find];
        }
        await using var reader = await ReadAsync(ct, commands);
        await reader.NextResultAsync(ct);
        var (seq, hash) = await reader.ReadAsync(ct) ? (reader.GetInt64(0), reader.GetString(1)) : (0L, AuditChain.Genesis);
        ExistingJob? existing = null;
        if (p.IdempotencyKey is not null && await reader.NextResultAsync(ct) && await reader.ReadAsync(ct))
            existing = new ExistingJob(PostgresRows.ReadJob(reader), PostgresRows.Text(reader, reader.GetOrdinal("request_hash")));
        while (await reader.NextResultAsync(ct))
        {
        }
        return new AuditChainHead(seq, hash, existing);
    }

    private const string InsertedColumns =
        "id, type, source_type, source_uri, file_name, file_size, mime_type, mode, priority, metadata, session_id, dataset, " +
        "status, attempt, max_attempts, scheduled_at, created_at, updated_at, retry_of, idempotency_key, request_hash, " +
        "created_by, synthetic, trace_parent";

    /// <summary>Many jobs from parallel arrays, and their <c>created</c> events in input order.</summary>
    private const string InsertJobsInput = $"""
        WITH input AS (
            SELECT * FROM unnest(@id::uuid[], @type::text[], @source_type::text[], @source_uri::text[], @file_name::text[],
                @file_size::bigint[], @mime_type::text[], @mode::text[], @priority::integer[], @metadata::jsonb[],
                @session_id::uuid[], @dataset::text[], @max_attempts::integer[], @scheduled_at::timestamptz[],
                @retry_of::uuid[], @idempotency_key::text[], @request_hash::text[], @created_by::text[],
                @synthetic::boolean[], @event_data::jsonb[], @trace_parent::text[])
                WITH ORDINALITY AS i (id, type, source_type, source_uri, file_name, file_size, mime_type, mode, priority,
                    metadata, session_id, dataset, max_attempts, scheduled_at, retry_of, idempotency_key, request_hash,
                    created_by, synthetic, event_data, trace_parent, ord)
        ), inserted AS (
            INSERT INTO jobs ({InsertedColumns})
            SELECT id, type, source_type, source_uri, file_name, file_size, mime_type, mode, priority, metadata,
                session_id, dataset, 'queued', 0, max_attempts, scheduled_at, @now, @now, retry_of,
                idempotency_key, request_hash, created_by, synthetic, trace_parent
            FROM input ORDER BY ord
            RETURNING id
        )
        """;

    private const string InsertJobs = InsertJobsInput + """
        INSERT INTO job_events (job_id, type, from_status, to_status, at, actor, audit_id, data)
        SELECT i.id, 'created', NULL, 'queued', @now, i.created_by, @audit_id::uuid, i.event_data
        FROM input i JOIN inserted USING (id) ORDER BY i.ord
        """;

    /// <summary>The same, with the transaction's NOTIFY inside (see <see cref="NotifyAsync"/>): no statement of its own.</summary>
    private const string InsertJobsAndNotify = InsertJobsInput + $"""
        , wake AS (SELECT pg_notify('{PostgresJobStore.Channel}', ''))
        INSERT INTO job_events (job_id, type, from_status, to_status, at, actor, audit_id, data)
        SELECT i.id, 'created', NULL, 'queued', @now, i.created_by, @audit_id::uuid, i.event_data
        FROM input i JOIN inserted USING (id) CROSS JOIN wake ORDER BY i.ord
        """;

    public ValueTask InsertJobsAsync(InsertJobsParams p, CancellationToken ct)
    {
        var jobs = p.Jobs;
        var insert = new NpgsqlBatchCommand(InsertJobs);
        var c = new PostgresParameters(insert.Parameters);
        c.Column("id", jobs, j => j.Id);
        c.Column("type", jobs, j => j.Type);
        c.Column("source_type", jobs, j => j.SourceType);
        c.Column("source_uri", jobs, j => j.SourceUri);
        c.Column("file_name", jobs, j => j.FileName);
        c.Column("file_size", jobs, j => j.FileSize);
        c.Column("mime_type", jobs, j => j.MimeType);
        c.Column("mode", jobs, j => j.Mode);
        c.Column("priority", jobs, j => j.Priority);
        c.Column("metadata", jobs, QueuedJob.MetadataJson);
        c.Column("session_id", jobs, j => j.SessionId);
        c.Column("dataset", jobs, j => j.Dataset);
        c.Column("max_attempts", jobs, j => j.MaxAttempts);
        c.Column("scheduled_at", jobs, j => QueuedJob.ScheduledAt(j, p.Now));
        c.Column("retry_of", jobs, j => j.RetryOf);
        c.Column("idempotency_key", jobs, j => j.IdempotencyKey);
        c.Column("request_hash", jobs, j => j.RequestHash);
        c.Column("created_by", jobs, j => j.CreatedBy);
        c.Column("synthetic", jobs, j => j.Synthetic);
        c.Column("event_data", jobs, QueuedJob.CreatedEventData);
        c.Column("trace_parent", jobs, j => j.TraceParent);
        c.Value("now", p.Now);
        c.Value("audit_id", p.AuditId);
        if (jobs.Count > 0) _heldInsert = insert;
        return Hold(insert);
    }

    // Rows picked in a CTE are updated through "id = ANY(ARRAY(SELECT ...))" (or "= ANY(@ids)"), never "IN (SELECT ...)"
    // or a bare join: these statements are prepared, and a generic plan that cannot see how few rows the CTE
    // holds would otherwise hash-join a sequential scan of the whole jobs table.

    /// <summary>
    /// Writes planned changes (rows already locked by this transaction) from parallel arrays, with each change's
    /// event, in one statement. Progress travels with a completion so it needs no statement of its own.
    /// </summary>
    private const string WriteChanges = """
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
            RETURNING jobs.id
        )
        INSERT INTO job_events (job_id, type, from_status, to_status, at, actor, audit_id, data)
        SELECT c.job_id, c.event_type, c.from_status, c.new_status, c.new_updated_at, @actor, @audit_id::uuid, c.event_data
        FROM change c WHERE c.job_id IN (SELECT id FROM changed) ORDER BY c.ord
        """;

    public ValueTask WriteChangesAsync(WriteChangesParams p, CancellationToken ct)
    {
        var changes = p.Changes;
        var progress = changes.Select(ch => p.Progress?.GetValueOrDefault(ch.After.Id)).ToList();
        var write = new NpgsqlBatchCommand(WriteChanges);
        var c = new PostgresParameters(write.Parameters);
        c.Column("id", changes, ch => ch.After.Id);
        c.Column("status", changes, ch => ch.After.Status.ToName());
        c.Column("attempt", changes, ch => ch.After.Attempt);
        c.Column("max_attempts", changes, ch => ch.After.MaxAttempts);
        c.Column("cancel_requested_at", changes, ch => ch.After.CancelRequestedAt?.Truncate());
        c.Column("lease_owner", changes, ch => ch.After.LeaseOwner);
        c.Column("lease_expires_at", changes, ch => ch.After.LeaseExpiresAt?.Truncate());
        c.Column("completed_at", changes, ch => ch.After.CompletedAt?.Truncate());
        c.Column("scheduled_at", changes, ch => ch.After.ScheduledAt.Truncate());
        c.Column("error", changes, ch => ch.After.Error);
        c.Column("error_ref", changes, ch => ch.After.ErrorRef);
        c.Column("updated_at", changes, ch => ch.After.UpdatedAt.Truncate());
        c.Column("event_type", changes, ch => ch.EventType);
        c.Column("from_status", changes, ch => ch.Before.Status.ToName());
        c.Column("event_data", changes, ch => ch.EventData);
        c.Column("has_progress", progress, u => u is not null);
        c.Column("records_processed", progress, u => u?.RecordsProcessed ?? 0);
        c.Column("records_failed", progress, u => u?.RecordsFailed ?? 0);
        c.Column("records_total", progress, u => u?.RecordsTotal);
        c.Value("actor", p.Actor);
        c.Value("audit_id", p.AuditId);
        return Hold(write);
    }

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

    public ValueTask WriteProgressAsync(WriteProgressParams p, CancellationToken ct) => Hold(WriteProgressCommand(p));

    /// <summary>The progress statement, also sent on its own (outside a transaction) by <c>FlushProgressAsync</c>.</summary>
    internal static NpgsqlBatchCommand WriteProgressCommand(WriteProgressParams p)
    {
        // Several updates of one job mean what applying them one after another means: the last counters
        // win, and updated_at moves once per update.
        var latest = new Dictionary<Guid, (ProgressUpdate Update, int Repeats)>();
        foreach (var update in p.Updates)
        {
            latest[update.Id] = latest.TryGetValue(update.Id, out var seen) ? (update, seen.Repeats + 1) : (update, 0);
        }
        var rows = latest.Values.ToList();
        var command = new NpgsqlBatchCommand(WriteProgress);
        var c = new PostgresParameters(command.Parameters);
        c.Column("ids", rows, u => u.Update.Id);
        c.Column("records_processed", rows, u => u.Update.RecordsProcessed);
        c.Column("records_failed", rows, u => u.Update.RecordsFailed);
        c.Column("records_total", rows, u => u.Update.RecordsTotal);
        c.Column("repeats", rows, u => u.Repeats);
        c.Value("now", p.Now);
        return command;
    }

    /// <summary>Removes the rows and the <c>record_loads</c> row of the jobs in <c>@ids</c> (by the primary keys).</summary>
    internal const string DeleteRecords = """
        WITH load AS (DELETE FROM record_loads WHERE job_id = ANY(@ids))
        DELETE FROM record_chunks WHERE job_id = ANY(@ids)
        """;

    public ValueTask PurgeRecordsAsync(PurgeRecordsParams p, CancellationToken ct)
    {
        var command = new NpgsqlBatchCommand(DeleteRecords);
        PostgresParameters.Add(command.Parameters, "ids", p.JobIds.ToArray());
        return Hold(command);
    }

    private const string InsertAudit = $"""
        INSERT INTO audit_events ({PostgresAuditRows.Columns})
        VALUES (@seq, @id, @at, @actor, @role, @action, @target, @outcome, @request_id, @remote_ip, @details, @prev_hash, @hash)
        """;

    public ValueTask AppendAuditAsync(AppendAuditParams p, CancellationToken ct)
    {
        var e = p.Event;
        var insert = new NpgsqlBatchCommand(InsertAudit);
        var c = new PostgresParameters(insert.Parameters);
        c.Value("seq", e.Seq);
        c.Value("id", e.Id);
        c.Value("at", e.At);
        c.Value("actor", e.Actor);
        c.Value("role", e.Role);
        c.Value("action", e.Action);
        c.Value("target", e.Target);
        c.Value("outcome", e.Outcome);
        c.Value("request_id", e.RequestId);
        c.Value("remote_ip", e.RemoteIp);
        c.Value("details", e.Details);
        c.Value("prev_hash", e.PrevHash);
        c.Value("hash", e.Hash);
        return Hold(insert);
    }

    private const string InsertStoredFiles = """
        INSERT INTO stored_files (job_id, path, original_name, size, sha256, content_type, stored_at)
        SELECT * FROM unnest(@job_id::uuid[], @path::text[], @original_name::text[], @size::bigint[], @sha256::text[],
            @content_type::text[], @stored_at::timestamptz[])
        """;

    public ValueTask InsertFilesAsync(InsertFilesParams p, CancellationToken ct)
    {
        var files = p.Files;
        var insert = new NpgsqlBatchCommand(InsertStoredFiles);
        var c = new PostgresParameters(insert.Parameters);
        c.Column("job_id", files, f => f.JobId);
        c.Column("path", files, f => f.Path);
        c.Column("original_name", files, f => f.OriginalName);
        c.Column("size", files, f => f.Size);
        c.Column("sha256", files, f => f.Sha256);
        c.Column("content_type", files, f => f.ContentType);
        c.Column("stored_at", files, f => f.StoredAt.Truncate());
        return Hold(insert);
    }

    private const string UpsertDetections = """
        INSERT INTO detection_results (job_id, content_type, result, detected_at)
        SELECT * FROM unnest(@job_id::uuid[], @content_type::text[], @result::jsonb[], @detected_at::timestamptz[])
        ON CONFLICT (job_id) DO UPDATE SET content_type = excluded.content_type, result = excluded.result,
            detected_at = excluded.detected_at
        """;

    public ValueTask SaveDetectionsAsync(SaveDetectionsParams p, CancellationToken ct) => Hold(SaveDetectionsCommand(p));

    /// <summary>The detection upsert, also sent on its own by <c>SaveDetectionAsync</c>.</summary>
    internal static NpgsqlBatchCommand SaveDetectionsCommand(SaveDetectionsParams p)
    {
        var detections = p.Detections;
        var command = new NpgsqlBatchCommand(UpsertDetections);
        var c = new PostgresParameters(command.Parameters);
        c.Column("job_id", detections, d => d.JobId);
        c.Column("content_type", detections, d => d.ContentType);
        c.Column("result", detections, d => d.Result);
        c.Column("detected_at", detections, d => d.DetectedAt.Truncate());
        return command;
    }

    private const string InsertSession = """
        INSERT INTO sessions (id, course_id, title, synthetic, created_by, created_at)
        VALUES (@id, @course_id, @title, @synthetic, @created_by, @now)
        """;

    public ValueTask InsertSessionAsync(InsertSessionParams p, CancellationToken ct)
    {
        var session = p.Session;
        var insert = new NpgsqlBatchCommand(InsertSession);
        var c = new PostgresParameters(insert.Parameters);
        c.Value("id", session.Id);
        c.Value("course_id", session.CourseId);
        c.Value("title", session.Title);
        c.Value("synthetic", session.Synthetic);
        c.Value("created_by", session.CreatedBy);
        c.Value("now", p.Now);
        return Hold(insert);
    }

    private const string UpsertResults = """
        INSERT INTO job_results (job_id, result)
        SELECT * FROM unnest(@job_id::uuid[], @result::jsonb[])
        ON CONFLICT (job_id) DO UPDATE SET result = excluded.result
        """;

    public ValueTask SaveResultsAsync(SaveResultsParams p, CancellationToken ct)
    {
        var upsert = new NpgsqlBatchCommand(UpsertResults);
        var c = new PostgresParameters(upsert.Parameters);
        c.Column("job_id", p.Results, r => r.JobId);
        c.Column("result", p.Results, r => r.Result);
        return Hold(upsert);
    }

    /// <summary>Jobs first (their events, files, results and records cascade), then the sessions; one statement, two counts.</summary>
    private const string DeleteSynthetic = """
        WITH jobs_gone AS (DELETE FROM jobs WHERE synthetic RETURNING 1),
             sessions_gone AS (DELETE FROM sessions WHERE synthetic RETURNING 1)
        SELECT (SELECT count(*) FROM sessions_gone), (SELECT count(*) FROM jobs_gone)
        """;

    public async Task<DeletedSynthetic> DeleteSyntheticAsync(CancellationToken ct)
    {
        await using var reader = await ReadAsync(ct, new NpgsqlBatchCommand(DeleteSynthetic));
        await reader.ReadAsync(ct);
        var deleted = new DeletedSynthetic(reader.GetInt64(0), reader.GetInt64(1));
        while (await reader.NextResultAsync(ct))
        {
        }
        return deleted;
    }

    private const string InsertKey = """
        INSERT INTO api_keys (id, prefix, hash, name, role, created_at, expires_at)
        VALUES (@id, @prefix, @hash, @name, @role, @created_at, @expires_at)
        """;

    public ValueTask InsertKeyAsync(InsertKeyParams p, CancellationToken ct)
    {
        var key = p.Key;
        var insert = new NpgsqlBatchCommand(InsertKey);
        var c = new PostgresParameters(insert.Parameters);
        c.Value("id", key.Id);
        c.Value("prefix", key.Prefix);
        c.Value("hash", key.Hash);
        c.Value("name", key.Name);
        c.Value("role", key.Role);
        c.Value("created_at", key.CreatedAt.Truncate());
        c.Value("expires_at", key.ExpiresAt?.Truncate());
        return Hold(insert);
    }

    private const string RevokeKey = "UPDATE api_keys SET revoked_at = @now WHERE id = @id AND revoked_at IS NULL";

    private const string SelectKey = $"SELECT {PostgresKeyRows.Columns} FROM api_keys WHERE id = @id";

    public async Task<RevokedKey> RevokeKeyAsync(RevokeKeyParams p, CancellationToken ct)
    {
        var revoke = new NpgsqlBatchCommand(RevokeKey);
        PostgresParameters.Add(revoke.Parameters, "now", p.Now);
        PostgresParameters.Add(revoke.Parameters, "id", p.Id);
        var select = new NpgsqlBatchCommand(SelectKey);
        PostgresParameters.Add(select.Parameters, "id", p.Id);
        await using var reader = await ReadAsync(ct, revoke, select);
        var key = await reader.ReadAsync(ct) ? PostgresKeyRows.Read(reader) : null;
        while (await reader.NextResultAsync(ct))
        {
        }
        return new RevokedKey(key, revoke.RecordsAffected == 1);
    }

    private const string LockFinished = """
        WITH doomed AS (
            SELECT id, completed_at FROM jobs
            WHERE status IN ('succeeded', 'failed', 'cancelled') AND completed_at < @before
              AND session_id IS NULL
              AND (@with_records OR NOT EXISTS (SELECT 1 FROM record_loads l WHERE l.job_id = jobs.id))
            ORDER BY completed_at
            LIMIT @max
            FOR UPDATE SKIP LOCKED
        )
        SELECT d.id, f.path FROM doomed d LEFT JOIN stored_files f ON f.job_id = d.id ORDER BY d.completed_at
        """;

    public async Task<IReadOnlyList<FinishedJob>> LockFinishedJobsAsync(LockFinishedJobsParams p, CancellationToken ct)
    {
        var command = new NpgsqlBatchCommand(LockFinished);
        PostgresParameters.Add(command.Parameters, "before", p.Before);
        PostgresParameters.Add(command.Parameters, "max", p.Max);
        PostgresParameters.Add(command.Parameters, "with_records", p.WithRecords);
        await using var reader = await ReadAsync(ct, command);
        var jobs = new List<FinishedJob>();
        while (await reader.ReadAsync(ct)) jobs.Add(new FinishedJob(reader.GetGuid(0), reader.IsDBNull(1) ? null : reader.GetString(1)));
        while (await reader.NextResultAsync(ct))
        {
        }
        return jobs;
    }

    private const string UnlinkRetries = "UPDATE jobs SET retry_of = NULL WHERE retry_of = ANY(@ids)";

    private const string DeleteJobs = "DELETE FROM jobs WHERE id = ANY(@ids)";

    public ValueTask DeleteJobsAsync(DeleteJobsParams p, CancellationToken ct)
    {
        var unlink = new NpgsqlBatchCommand(UnlinkRetries);
        PostgresParameters.Add(unlink.Parameters, "ids", p.Ids.ToArray());
        var delete = new NpgsqlBatchCommand(DeleteJobs);
        PostgresParameters.Add(delete.Parameters, "ids", p.Ids.ToArray());
        Hold(unlink);
        return Hold(delete);
    }

    private const string TakePauseLock = "SELECT pg_advisory_xact_lock(@key)";

    private const string InsertPause = "INSERT INTO type_pauses (type, paused_at, paused_by) VALUES (@type, @now, @actor) ON CONFLICT (type) DO NOTHING";

    private const string DeletePause = "DELETE FROM type_pauses WHERE type = @type";

    /// <summary>
    /// A pause first takes the pause lock exclusively: every claim holds it shared for its statement, so this waits for
    /// the claims in flight, and a claim that comes after reads the pause (its statement's snapshot follows the lock).
    /// </summary>
    public async Task<bool> SetTypePauseAsync(SetTypePauseParams p, CancellationToken ct)
    {
        NpgsqlBatchCommand change;
        NpgsqlBatchCommand[] commands;
        if (p.Paused)
        {
            var take = new NpgsqlBatchCommand(TakePauseLock);
            PostgresParameters.Add(take.Parameters, "key", PostgresJobStore.PauseLock);
            change = new NpgsqlBatchCommand(InsertPause);
            PostgresParameters.Add(change.Parameters, "now", p.Now);
            PostgresParameters.Add(change.Parameters, "actor", p.Actor);
            commands = [take, change];
        }
        else
        {
            change = new NpgsqlBatchCommand(DeletePause);
            commands = [change];
        }
        PostgresParameters.Add(change.Parameters, "type", p.Type);
        await using var reader = await ReadAsync(ct, commands);
        while (await reader.NextResultAsync(ct))
        {
        }
        return change.RecordsAffected == 1;
    }

    private const string Notify = $"SELECT pg_notify('{PostgresJobStore.Channel}', '')";

    private bool _notify;
    private NpgsqlBatchCommand? _heldInsert;

    /// <summary>
    /// Sent with COMMIT (a NOTIFY is delivered on commit wherever it stands, and one per transaction is enough): inside
    /// a held job insert when there is one, else as a statement of its own. Held with the writes as a statement, its
    /// result row would stand before a later read's.
    /// </summary>
    public ValueTask NotifyAsync(CancellationToken ct)
    {
        if (_finished) throw new InvalidOperationException("The transaction has already been committed.");
        _notify = true;
        return ValueTask.CompletedTask;
    }

    public async Task CommitAsync(CancellationToken ct)
    {
        if (_finished) throw new InvalidOperationException("The transaction has already been committed.");
        if (_notify && _heldInsert is not null) _heldInsert.CommandText = InsertJobsAndNotify;
        else if (_notify) _held.Add(new NpgsqlBatchCommand(Notify));
        if (!_begun && _held.Count == 0)
        {
            _finished = true;
            return;
        }
        // Without a read before, the held writes run as one batch: PostgreSQL's implicit transaction around it.
        var batch = new NpgsqlBatch(_connection);
        foreach (var command in _held) batch.BatchCommands.Add(command);
        _held.Clear();
        if (_begun) batch.BatchCommands.Add(new NpgsqlBatchCommand(Commit));
        _finished = true;
        await batch.PrepareAsync(ct);
        await using var reader = await batch.ExecuteReaderAsync(ct);
        while (await reader.NextResultAsync(ct))
        {
            // Drains every statement's result so that an error surfaces here.
        }
    }

    private ValueTask Hold(NpgsqlBatchCommand command)
    {
        if (_finished) throw new InvalidOperationException("The transaction has already been committed.");
        _held.Add(command);
        return ValueTask.CompletedTask;
    }

    /// <summary>Sends the held writes and <paramref name="commands"/>; the first call also begins the transaction.</summary>
    private async Task<NpgsqlDataReader> ReadAsync(CancellationToken ct, params NpgsqlBatchCommand[] commands)
    {
        if (_finished) throw new InvalidOperationException("The transaction has already been committed.");
        var batch = new NpgsqlBatch(_connection);
        if (!_begun)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(Begin));
            _begun = true;
        }
        // The held writes return no rows, so the reader stands on the first of the commands' results.
        foreach (var command in _held) batch.BatchCommands.Add(command);
        _held.Clear();
        _heldInsert = null;
        foreach (var command in commands) batch.BatchCommands.Add(command);
        await batch.PrepareAsync(ct);
        return await batch.ExecuteReaderAsync(ct);
    }

    private static async Task<List<JobState>> ReadStatesAsync(NpgsqlDataReader reader, CancellationToken ct)
    {
        await using (reader)
        {
            var states = new List<JobState>();
            var row = PostgresJobRow.OfState(reader);
            while (await reader.ReadAsync(ct)) states.Add(row.ReadState(reader));
            return states;
        }
    }

    /// <summary>
    /// Closing hands the connection back to the pool, whose reset rolls back a transaction left unfinished
    /// (and a broken connection takes its transaction with it).
    /// </summary>
    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
