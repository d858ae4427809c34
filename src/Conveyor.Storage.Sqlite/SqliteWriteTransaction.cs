using Conveyor.Core;
using Conveyor.Storage.Driver;
using Microsoft.Data.Sqlite;

namespace Conveyor.Storage.Sqlite;

/// <summary>
/// A <c>BEGIN IMMEDIATE</c> transaction under the store's in-process write lock: SQLite has one writer, so every
/// operation runs at once (nothing is gained by holding it) and the rows it reads are the rows it writes. Disposing
/// it uncommitted rolls it back and releases the lock. Each operation's SQL is the constant beside the method that
/// binds it.
/// </summary>
internal sealed class SqliteWriteTransaction : IDriverTransaction
{
    private readonly SemaphoreSlim _writeLock;
    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _tx;
    private bool _finished;

    private SqliteWriteTransaction(SemaphoreSlim writeLock, SqliteConnection connection, SqliteTransaction tx)
    {
        _writeLock = writeLock;
        _connection = connection;
        _tx = tx;
    }

    /// <summary>Takes the write lock, then opens <paramref name="open"/>'s connection and begins.</summary>
    public static async Task<SqliteWriteTransaction> StartAsync(SemaphoreSlim writeLock, Func<CancellationToken, Task<SqliteConnection>> open,
        CancellationToken ct)
    {
        await writeLock.WaitAsync(ct);
        SqliteConnection? connection = null;
        try
        {
            connection = await open(ct);
            var tx = connection.BeginTransaction(deferred: false);
            return new SqliteWriteTransaction(writeLock, connection, tx);
        }
        catch
        {
            if (connection is not null) await connection.DisposeAsync();
            writeLock.Release();
            throw;
        }
    }

    private SqliteCommand Command(string sql)
    {
        if (_finished) throw new InvalidOperationException("The transaction has already been committed.");
        var command = _connection.CreateCommand();
        command.Transaction = _tx;
        command.CommandText = sql;
        return command;
    }

    private const string SelectJobById = $"SELECT {JobColumns.All} FROM jobs WHERE id = @id";

    private const string SelectRetryOf = $"SELECT {JobColumns.All} FROM jobs WHERE retry_of = @id";

    public async Task<LockedJob?> LockJobAsync(LockJobParams p, CancellationToken ct)
    {
        // The write lock is the row lock: nothing else writes until this transaction ends.
        await using var select = Command(SelectJobById);
        select.Parameters.AddWithValue("@id", p.Id.ToString());
        var jobs = await SqliteRows.ReadJobsAsync(select, ct);
        if (jobs.Count == 0) return null;
        Job? retry = null;
        if (p.WithRetry)
        {
            await using var find = Command(SelectRetryOf);
            find.Parameters.AddWithValue("@id", p.Id.ToString());
            var retries = await SqliteRows.ReadJobsAsync(find, ct);
            retry = retries.Count == 0 ? null : retries[0];
        }
        return new LockedJob(jobs[0], retry);
    }

    public async Task<IReadOnlyList<LockedJob>> LockJobsAsync(LockJobsParams p, CancellationToken ct)
    {
        if (p.Ids.Count == 0) return [];
        await using var select = Command($"SELECT {JobColumns.All} FROM jobs WHERE id IN ({InList(p.Ids.Count)}) ORDER BY id");
        for (var i = 0; i < p.Ids.Count; i++) select.Parameters.AddWithValue($"@p{i}", p.Ids[i].ToString());
        var jobs = await SqliteRows.ReadJobsAsync(select, ct);
        var byOriginal = new Dictionary<Guid, Job>();
        if (p.WithRetry)
        {
            await using var find = Command($"SELECT {JobColumns.All} FROM jobs WHERE retry_of IN ({InList(p.Ids.Count)})");
            for (var i = 0; i < p.Ids.Count; i++) find.Parameters.AddWithValue($"@p{i}", p.Ids[i].ToString());
            foreach (var retry in await SqliteRows.ReadJobsAsync(find, ct)) byOriginal[retry.RetryOf!.Value] = retry;
        }
        return jobs.Select(j => new LockedJob(j, byOriginal.GetValueOrDefault(j.Id))).ToList();
    }

    public async Task<IReadOnlyList<JobState>> LockLeasedJobStatesAsync(LockLeasedJobStatesParams p, CancellationToken ct)
    {
        var ids = p.Ids.ToList();
        await using var command = Command(
            $"SELECT {JobColumns.State} FROM jobs WHERE id IN ({InList(ids.Count)}) AND lease_owner = @owner AND status = 'running' ORDER BY id");
        for (var i = 0; i < ids.Count; i++) command.Parameters.AddWithValue($"@p{i}", ids[i].ToString());
        command.Parameters.AddWithValue("@owner", p.Owner);
        return await SqliteRows.ReadStatesAsync(command, ct);
    }

    private const string SelectExpiredStates =
        $"SELECT {JobColumns.State} FROM jobs WHERE status = 'running' AND lease_expires_at < @now ORDER BY lease_expires_at LIMIT @max";

    public async Task<IReadOnlyList<JobState>> LockExpiredJobStatesAsync(LockExpiredJobStatesParams p, CancellationToken ct)
    {
        await using var command = Command(SelectExpiredStates);
        command.Parameters.AddWithValue("@now", p.Now.ToUnixTimeMicroseconds());
        command.Parameters.AddWithValue("@max", p.Max);
        return await SqliteRows.ReadStatesAsync(command, ct);
    }

    private const string SelectAuditHead = "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1";

    private const string SelectByIdempotencyKey = $"SELECT {JobColumns.All}, request_hash FROM jobs WHERE idempotency_key = @key";

    /// <summary>The write lock and BEGIN IMMEDIATE already make this transaction the chain's only appender.</summary>
    public async Task<AuditChainHead> LockAuditChainAsync(LockAuditChainParams p, CancellationToken ct)
    {
        long seq = 0;
        var hash = AuditChain.Genesis;
        await using (var head = Command(SelectAuditHead))
        await using (var reader = await head.ExecuteReaderAsync(ct))
        {
            if (await reader.ReadAsync(ct))
            {
                seq = reader.GetInt64(0);
                hash = reader.GetString(1);
            }
        }
        ExistingJob? existing = null;
        if (p.IdempotencyKey is { } key)
        {
            await using var find = Command(SelectByIdempotencyKey);
            find.Parameters.AddWithValue("@key", key);
            await using var reader = await find.ExecuteReaderAsync(ct);
            if (await reader.ReadAsync(ct))
                existing = new ExistingJob(SqliteRows.ReadJob(reader), SqliteRows.Text(reader, reader.GetOrdinal("request_hash")));
        }
        return new AuditChainHead(seq, hash, existing);
    }

    private const string InsertJob = """
        INSERT INTO jobs (id, type, source_type, source_uri, file_name, file_size, mime_type, mode, priority, metadata,
            session_id, dataset, status, attempt, max_attempts, scheduled_at, created_at, updated_at, retry_of,
            idempotency_key, request_hash, created_by, synthetic, trace_parent)
        VALUES (@id, @type, @source_type, @source_uri, @file_name, @file_size, @mime_type, @mode, @priority, @metadata,
            @session_id, @dataset, 'queued', 0, @max_attempts, @scheduled_at, @now, @now, @retry_of,
            @idempotency_key, @request_hash, @created_by, @synthetic, @trace_parent)
        """;

    public async ValueTask InsertJobsAsync(InsertJobsParams p, CancellationToken ct)
    {
        await using var insert = Command(InsertJob);
        var bind = new SqliteParameters(insert.Parameters);
        insert.Prepare();
        await using var events = new SqliteEventWriter(Command(SqliteEventWriter.Insert), p.AuditId);
        var now = p.Now.ToUnixTimeMicroseconds();
        foreach (var job in p.Jobs)
        {
            bind.Set("@id", job.Id.ToString());
            bind.Set("@type", job.Type);
            bind.Set("@source_type", job.SourceType);
            bind.Set("@source_uri", job.SourceUri);
            bind.Set("@file_name", job.FileName);
            bind.Set("@file_size", job.FileSize);
            bind.Set("@mime_type", job.MimeType);
            bind.Set("@mode", job.Mode);
            bind.Set("@priority", job.Priority);
            bind.Set("@metadata", QueuedJob.MetadataJson(job));
            bind.Set("@session_id", job.SessionId?.ToString());
            bind.Set("@dataset", job.Dataset);
            bind.Set("@max_attempts", job.MaxAttempts);
            bind.Set("@scheduled_at", QueuedJob.ScheduledAt(job, p.Now).ToUnixTimeMicroseconds());
            bind.Set("@now", now);
            bind.Set("@retry_of", job.RetryOf?.ToString());
            bind.Set("@idempotency_key", job.IdempotencyKey);
            bind.Set("@request_hash", job.RequestHash);
            bind.Set("@created_by", job.CreatedBy);
            bind.Set("@synthetic", job.Synthetic ? 1 : 0);
            bind.Set("@trace_parent", job.TraceParent);
            await insert.ExecuteNonQueryAsync(ct);
            await events.AppendAsync(job.Id, JobEventTypes.Created, null, JobStatusNames.Queued, p.Now, job.CreatedBy,
                QueuedJob.CreatedEventData(job), ct);
        }
    }

    private const string UpdateJob = """
        UPDATE jobs SET status = @status, attempt = @attempt, max_attempts = @max_attempts,
            cancel_requested_at = @cancel_requested_at, lease_owner = @lease_owner, lease_expires_at = @lease_expires_at,
            completed_at = @completed_at, scheduled_at = @scheduled_at, error = @error, error_ref = @error_ref,
            updated_at = @updated_at,
            records_processed = CASE WHEN @has_progress THEN @records_processed ELSE records_processed END,
            records_failed = CASE WHEN @has_progress THEN @records_failed ELSE records_failed END,
            records_total = CASE WHEN @has_progress THEN @records_total ELSE records_total END
        WHERE id = @id
        """;

    public async ValueTask WriteChangesAsync(WriteChangesParams p, CancellationToken ct)
    {
        await using var update = Command(UpdateJob);
        var bind = new SqliteParameters(update.Parameters);
        await using var events = new SqliteEventWriter(Command(SqliteEventWriter.Insert), p.AuditId);
        foreach (var change in p.Changes)
        {
            var a = change.After;
            var progress = p.Progress?.GetValueOrDefault(a.Id);
            bind.Set("@id", a.Id.ToString());
            bind.Set("@status", a.Status.ToName());
            bind.Set("@attempt", a.Attempt);
            bind.Set("@max_attempts", a.MaxAttempts);
            bind.Set("@cancel_requested_at", a.CancelRequestedAt?.ToUnixTimeMicroseconds());
            bind.Set("@lease_owner", a.LeaseOwner);
            bind.Set("@lease_expires_at", a.LeaseExpiresAt?.ToUnixTimeMicroseconds());
            bind.Set("@completed_at", a.CompletedAt?.ToUnixTimeMicroseconds());
            bind.Set("@scheduled_at", a.ScheduledAt.ToUnixTimeMicroseconds());
            bind.Set("@error", a.Error);
            bind.Set("@error_ref", a.ErrorRef);
            bind.Set("@updated_at", a.UpdatedAt.ToUnixTimeMicroseconds());
            bind.Set("@has_progress", progress is null ? 0 : 1);
            bind.Set("@records_processed", progress?.RecordsProcessed ?? 0);
            bind.Set("@records_failed", progress?.RecordsFailed ?? 0);
            bind.Set("@records_total", progress?.RecordsTotal);
            await update.ExecuteNonQueryAsync(ct);
            await events.AppendAsync(a.Id, change.EventType, change.Before.Status.ToName(), a.Status.ToName(), a.UpdatedAt, p.Actor,
                change.EventData, ct);
        }
    }

    private const string UpdateProgress = """
        UPDATE jobs SET records_processed = @processed, records_failed = @failed, records_total = @total,
            updated_at = MAX(@now, updated_at + 1)
        WHERE id = @id AND status = 'running'
        """;

    public async ValueTask WriteProgressAsync(WriteProgressParams p, CancellationToken ct)
    {
        await using var command = Command(UpdateProgress);
        var bind = new SqliteParameters(command.Parameters);
        bind.Set("@now", p.Now.ToUnixTimeMicroseconds());
        foreach (var update in p.Updates)
        {
            bind.Set("@id", update.Id.ToString());
            bind.Set("@processed", update.RecordsProcessed);
            bind.Set("@failed", update.RecordsFailed);
            bind.Set("@total", update.RecordsTotal);
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    public async ValueTask PurgeRecordsAsync(PurgeRecordsParams p, CancellationToken ct)
    {
        foreach (var id in p.JobIds) await SqliteJobStore.PurgeRecordsAsync(_connection, _tx, id, ct);
    }

    private const string InsertAudit = $"""
        INSERT INTO audit_events ({SqliteAuditRows.Columns})
        VALUES (@seq, @id, @at, @actor, @role, @action, @target, @outcome, @request_id, @remote_ip, @details, @prev_hash, @hash)
        """;

    public async ValueTask AppendAuditAsync(AppendAuditParams p, CancellationToken ct)
    {
        var e = p.Event;
        await using var insert = Command(InsertAudit);
        var bind = new SqliteParameters(insert.Parameters);
        bind.Set("@seq", e.Seq);
        bind.Set("@id", e.Id.ToString());
        bind.Set("@at", e.At.ToUnixTimeMicroseconds());
        bind.Set("@actor", e.Actor);
        bind.Set("@role", e.Role);
        bind.Set("@action", e.Action);
        bind.Set("@target", e.Target);
        bind.Set("@outcome", e.Outcome);
        bind.Set("@request_id", e.RequestId);
        bind.Set("@remote_ip", e.RemoteIp);
        bind.Set("@details", e.Details);
        bind.Set("@prev_hash", e.PrevHash);
        bind.Set("@hash", e.Hash);
        await insert.ExecuteNonQueryAsync(ct);
    }

    private const string InsertStoredFile = """
        INSERT INTO stored_files (job_id, path, original_name, size, sha256, content_type, stored_at)
        VALUES (@job_id, @path, @original_name, @size, @sha256, @content_type, @stored_at)
        """;

    public async ValueTask InsertFilesAsync(InsertFilesParams p, CancellationToken ct)
    {
        await using var insert = Command(InsertStoredFile);
        var bind = new SqliteParameters(insert.Parameters);
        foreach (var file in p.Files)
        {
            bind.Set("@job_id", file.JobId.ToString());
            bind.Set("@path", file.Path);
            bind.Set("@original_name", file.OriginalName);
            bind.Set("@size", file.Size);
            bind.Set("@sha256", file.Sha256);
            bind.Set("@content_type", file.ContentType);
            bind.Set("@stored_at", file.StoredAt.ToUnixTimeMicroseconds());
            await insert.ExecuteNonQueryAsync(ct);
        }
    }

    internal const string UpsertDetection = """
        INSERT INTO detection_results (job_id, content_type, result, detected_at) VALUES (@id, @type, @result, @at)
        ON CONFLICT (job_id) DO UPDATE SET content_type = excluded.content_type, result = excluded.result, detected_at = excluded.detected_at
        """;

    public async ValueTask SaveDetectionsAsync(SaveDetectionsParams p, CancellationToken ct)
    {
        await using var upsert = Command(UpsertDetection);
        var bind = new SqliteParameters(upsert.Parameters);
        foreach (var detection in p.Detections)
        {
            bind.Set("@id", detection.JobId.ToString());
            bind.Set("@type", detection.ContentType);
            bind.Set("@result", detection.Result);
            bind.Set("@at", detection.DetectedAt.ToUnixTimeMicroseconds());
            await upsert.ExecuteNonQueryAsync(ct);
        }
    }

    private const string InsertSession = """
        INSERT INTO sessions (id, course_id, title, synthetic, created_by, created_at)
        VALUES (@id, @course_id, @title, @synthetic, @created_by, @now)
        """;

    public async ValueTask InsertSessionAsync(InsertSessionParams p, CancellationToken ct)
    {
        var session = p.Session;
        await using var insert = Command(InsertSession);
        var bind = new SqliteParameters(insert.Parameters);
        bind.Set("@id", session.Id.ToString());
        bind.Set("@course_id", session.CourseId);
        bind.Set("@title", session.Title);
        bind.Set("@synthetic", session.Synthetic ? 1 : 0);
        bind.Set("@created_by", session.CreatedBy);
        bind.Set("@now", p.Now.ToUnixTimeMicroseconds());
        await insert.ExecuteNonQueryAsync(ct);
    }

    private const string UpsertResult = """
        INSERT INTO job_results (job_id, result) VALUES (@job_id, @result)
        ON CONFLICT (job_id) DO UPDATE SET result = excluded.result
        """;

    public async ValueTask SaveResultsAsync(SaveResultsParams p, CancellationToken ct)
    {
        await using var upsert = Command(UpsertResult);
        var bind = new SqliteParameters(upsert.Parameters);
        foreach (var (jobId, result) in p.Results)
        {
            bind.Set("@job_id", jobId.ToString());
            bind.Set("@result", result);
            await upsert.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>Jobs first (their events, files, results and detection cascade), then the sessions.</summary>
    private const string DeleteSyntheticJobs = "DELETE FROM jobs WHERE synthetic = 1";

    private const string DeleteSyntheticSessions = "DELETE FROM sessions WHERE synthetic = 1";

    public async Task<DeletedSynthetic> DeleteSyntheticAsync(CancellationToken ct)
    {
        await PurgeRecordsAsync(new PurgeRecordsParams(await SyntheticJobIdsAsync(ct)), ct);
        await using var jobs = Command(DeleteSyntheticJobs);
        var jobCount = await jobs.ExecuteNonQueryAsync(ct);
        await using var sessions = Command(DeleteSyntheticSessions);
        var sessionCount = await sessions.ExecuteNonQueryAsync(ct);
        return new DeletedSynthetic(sessionCount, jobCount);
    }

    private const string SelectSyntheticJobIds = "SELECT id FROM jobs WHERE synthetic = 1";

    private async Task<IReadOnlyList<Guid>> SyntheticJobIdsAsync(CancellationToken ct)
    {
        await using var select = Command(SelectSyntheticJobIds);
        await using var reader = await select.ExecuteReaderAsync(ct);
        var ids = new List<Guid>();
        while (await reader.ReadAsync(ct)) ids.Add(Guid.Parse(reader.GetString(0)));
        return ids;
    }

    private const string InsertKey = """
        INSERT INTO api_keys (id, prefix, hash, name, role, created_at, expires_at)
        VALUES (@id, @prefix, @hash, @name, @role, @created_at, @expires_at)
        """;

    public async ValueTask InsertKeyAsync(InsertKeyParams p, CancellationToken ct)
    {
        var key = p.Key;
        await using var insert = Command(InsertKey);
        var bind = new SqliteParameters(insert.Parameters);
        bind.Set("@id", key.Id.ToString());
        bind.Set("@prefix", key.Prefix);
        bind.Set("@hash", key.Hash);
        bind.Set("@name", key.Name);
        bind.Set("@role", key.Role);
        bind.Set("@created_at", key.CreatedAt.ToUnixTimeMicroseconds());
        bind.Set("@expires_at", key.ExpiresAt?.ToUnixTimeMicroseconds());
        await insert.ExecuteNonQueryAsync(ct);
    }

    private const string RevokeKey = "UPDATE api_keys SET revoked_at = @now WHERE id = @id AND revoked_at IS NULL";

    private const string SelectKey = $"SELECT {SqliteKeyRows.Columns} FROM api_keys WHERE id = @id";

    public async Task<RevokedKey> RevokeKeyAsync(RevokeKeyParams p, CancellationToken ct)
    {
        await using var revoke = Command(RevokeKey);
        revoke.Parameters.AddWithValue("@now", p.Now.ToUnixTimeMicroseconds());
        revoke.Parameters.AddWithValue("@id", p.Id.ToString());
        var changed = await revoke.ExecuteNonQueryAsync(ct);
        await using var select = Command(SelectKey);
        select.Parameters.AddWithValue("@id", p.Id.ToString());
        var keys = await SqliteKeyRows.ReadAsync(select, ct);
        return new RevokedKey(keys.Count == 0 ? null : keys[0], changed == 1);
    }

    private const string SelectFinished = """
        SELECT j.id, f.path FROM jobs j LEFT JOIN stored_files f ON f.job_id = j.id
        WHERE j.status IN ('succeeded', 'failed', 'cancelled') AND j.completed_at < @before
          AND j.session_id IS NULL
          AND (@with_records OR NOT EXISTS (SELECT 1 FROM record_loads l WHERE l.job_id = j.id))
        ORDER BY j.completed_at
        LIMIT @max
        """;

    /// <summary>The writer lock is held: nothing else changes these rows until commit.</summary>
    public async Task<IReadOnlyList<FinishedJob>> LockFinishedJobsAsync(LockFinishedJobsParams p, CancellationToken ct)
    {
        await using var command = Command(SelectFinished);
        command.Parameters.AddWithValue("@before", p.Before.ToUnixTimeMicroseconds());
        command.Parameters.AddWithValue("@max", p.Max);
        command.Parameters.AddWithValue("@with_records", p.WithRecords ? 1 : 0);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var jobs = new List<FinishedJob>();
        while (await reader.ReadAsync(ct)) jobs.Add(new FinishedJob(Guid.Parse(reader.GetString(0)), reader.IsDBNull(1) ? null : reader.GetString(1)));
        return jobs;
    }

    public async ValueTask DeleteJobsAsync(DeleteJobsParams p, CancellationToken ct)
    {
        foreach (var sql in new[] { "UPDATE jobs SET retry_of = NULL WHERE retry_of = @id", "DELETE FROM jobs WHERE id = @id" })
        {
            await using var command = Command(sql);
            var id = command.Parameters.Add("@id", Microsoft.Data.Sqlite.SqliteType.Text);
            command.Prepare();
            foreach (var job in p.Ids)
            {
                id.Value = job.ToString();
                await command.ExecuteNonQueryAsync(ct);
            }
        }
    }

    private const string InsertPause = "INSERT INTO type_pauses (type, paused_at, paused_by) VALUES (@type, @now, @actor) ON CONFLICT (type) DO NOTHING";

    private const string DeletePause = "DELETE FROM type_pauses WHERE type = @type";

    /// <summary>The writer lock is held, and claims take it too: a claim after this commits reads the pause.</summary>
    public async Task<bool> SetTypePauseAsync(SetTypePauseParams p, CancellationToken ct)
    {
        await using var command = Command(p.Paused ? InsertPause : DeletePause);
        command.Parameters.AddWithValue("@type", p.Type);
        if (p.Paused)
        {
            command.Parameters.AddWithValue("@now", p.Now.ToUnixTimeMicroseconds());
            command.Parameters.AddWithValue("@actor", p.Actor);
        }
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>One process per file: the store's hub, signalled by the orchestration after commit, is every listener.</summary>
    public ValueTask NotifyAsync(CancellationToken ct) => ValueTask.CompletedTask;

    public async Task CommitAsync(CancellationToken ct)
    {
        if (_finished) throw new InvalidOperationException("The transaction has already been committed.");
        _finished = true;
        await _tx.CommitAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _tx.DisposeAsync();
            await _connection.DisposeAsync();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private static string InList(int count) => string.Join(", ", Enumerable.Range(0, count).Select(i => $"@p{i}"));
}
