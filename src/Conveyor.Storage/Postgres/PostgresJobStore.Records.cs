using Conveyor.Core;
using Npgsql;
using NpgsqlTypes;

namespace Conveyor.Storage.Postgres;

/// <summary>The ingestion half of the PostgreSQL store: stored files, detection results, records and parse failures.</summary>
public sealed partial class PostgresJobStore
{
    private const string FenceCheck =
        "SELECT 1 FROM jobs WHERE id = @id AND status = 'running' AND lease_owner = @owner AND attempt = @attempt";

    /// <summary>
    /// The fence at commit. FOR SHARE holds the job row until COMMIT, so a rescue, cancel or completion of the
    /// job waits for this load to commit (and then its purge sees the rows), or has already changed the row
    /// (and then this load sees that and rolls back).
    /// </summary>
    private const string FenceCheckForShare = FenceCheck + " FOR SHARE";

    private const string CopyRecords = "COPY records (job_id, row_number, dataset, data) FROM STDIN (FORMAT BINARY)";

    private const string InsertStoredFiles = """
        INSERT INTO stored_files (job_id, path, original_name, size, sha256, content_type, stored_at)
        SELECT * FROM unnest(@job_id::uuid[], @path::text[], @original_name::text[], @size::bigint[], @sha256::text[],
            @content_type::text[], @stored_at::timestamptz[])
        """;

    private const string UpsertDetection = """
        INSERT INTO detection_results (job_id, content_type, result, detected_at)
        SELECT * FROM unnest(@job_id::uuid[], @content_type::text[], @result::jsonb[], @detected_at::timestamptz[])
        ON CONFLICT (job_id) DO UPDATE SET content_type = excluded.content_type, result = excluded.result,
            detected_at = excluded.detected_at
        """;

    private const string ReplaceFailures = """
        WITH gone AS (DELETE FROM record_failures WHERE job_id = @job_id)
        INSERT INTO record_failures (job_id, line_number, reason)
        SELECT @job_id, f.line, f.reason FROM unnest(@lines::bigint[], @reasons::text[]) AS f (line, reason)
        ON CONFLICT DO NOTHING
        """;

    public async Task<IReadOnlyList<Job>> CreateWithFilesAsync(IReadOnlyList<NewUpload> uploads, AuditContext audit, CancellationToken ct)
    {
        if (uploads.Count == 0) return [];
        var now = Now();
        var jobs = uploads.Select(u => u.Job).ToList();
        var files = new NpgsqlBatchCommand(InsertStoredFiles);
        var p = files.Parameters;
        var n = uploads.Count;
        Add(p, "job_id", Column(uploads, n, u => u.Job.Id));
        Add(p, "path", Column(uploads, n, u => u.File.Path));
        Add(p, "original_name", Column(uploads, n, u => u.File.OriginalName));
        Add(p, "size", Column(uploads, n, u => u.File.Size));
        Add(p, "sha256", Column(uploads, n, u => u.File.Sha256));
        Add(p, "content_type", Column(uploads, n, u => u.File.ContentType));
        Add(p, "stored_at", Column(uploads, n, u => u.File.StoredAt.Truncate()));
        var detected = uploads.Where(u => u.DetectionResult is not null)
            .Select(u => new DetectionRecord(u.Job.Id, u.DetectionContentType ?? "unknown", u.DetectionResult!, now)).ToList();
        NpgsqlBatchCommand[] detection = detected.Count > 0 ? [UpsertDetectionCommand(detected)] : [];
        await using (var tx = await PostgresTransaction.StartAsync(_dataSource, ct))
        {
            // The job rows, their files, detection results and the audit event commit together, or none of them does.
            var (head, _) = await LockAuditHeadAsync(tx, [], ct);
            var target = jobs.Count == 1 ? jobs[0].Id.ToString() : null;
            await tx.CommitAsync(ct, [InsertJobsCommand(jobs, now, audit.Id), files, .. detection,
                AppendAuditCommand(head, audit, target, AuditOutcomes.Applied), new NpgsqlBatchCommand(Notify)]);
        }
        _signals.Signal();
        return jobs.Select(j => QueuedJob.From(j, now)).ToList();
    }

    private static NpgsqlBatchCommand UpsertDetectionCommand(IReadOnlyList<DetectionRecord> detections)
    {
        var command = new NpgsqlBatchCommand(UpsertDetection);
        var n = detections.Count;
        Add(command.Parameters, "job_id", Column(detections, n, d => d.JobId));
        Add(command.Parameters, "content_type", Column(detections, n, d => d.ContentType));
        Add(command.Parameters, "result", Column(detections, n, d => d.Result));
        Add(command.Parameters, "detected_at", Column(detections, n, d => d.DetectedAt.Truncate()));
        return command;
    }

    public async Task<StoredFile?> GetFileAsync(Guid jobId, CancellationToken ct)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand(
            "SELECT path, original_name, size, sha256, content_type, stored_at FROM stored_files WHERE job_id = @id", connection);
        Add(command, "id", jobId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return new StoredFile(jobId, reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetInt64(2),
            reader.GetString(3), reader.GetString(4), reader.GetFieldValue<DateTimeOffset>(5));
    }

    public async Task SaveDetectionAsync(DetectionRecord detection, CancellationToken ct)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(connection) { BatchCommands = { UpsertDetectionCommand([detection]) } };
        await batch.ExecuteNonQueryAsync(ct);
    }

    public async Task<DetectionRecord?> GetDetectionAsync(Guid jobId, CancellationToken ct)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand(
            "SELECT content_type, result::text, detected_at FROM detection_results WHERE job_id = @id", connection);
        Add(command, "id", jobId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return new DetectionRecord(jobId, reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2));
    }

    /// <summary>
    /// One transaction per attempt: leftovers of earlier attempts are deleted, the rows stream in by binary COPY,
    /// and the fence is checked again under a row lock before COMMIT. An attempt that dies part-way (SIGKILL,
    /// lost connection) commits nothing; one that lost its lease rolls back. A long transaction costs PostgreSQL
    /// writers nothing, unlike SQLite (see <c>SqliteJobStore.LoadChunkRows</c>).
    /// </summary>
    public async Task<IRecordLoad> BeginLoadAsync(LoadFence fence, CancellationToken ct)
    {
        var connection = await _dataSource.OpenConnectionAsync(ct);
        try
        {
            var tx = await connection.BeginTransactionAsync(ct);
            await CheckFenceAsync(connection, tx, fence, forShare: false, ct);
            await using (var clear = new NpgsqlCommand("DELETE FROM records WHERE job_id = @id", connection, tx))
            {
                Add(clear, "id", fence.JobId);
                await clear.ExecuteNonQueryAsync(ct);
            }
            var importer = await connection.BeginBinaryImportAsync(CopyRecords, ct);
            return new PostgresRecordLoad(connection, tx, importer, fence);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private static async Task CheckFenceAsync(NpgsqlConnection connection, NpgsqlTransaction tx, LoadFence fence, bool forShare,
        CancellationToken ct)
    {
        await using var check = new NpgsqlCommand(forShare ? FenceCheckForShare : FenceCheck, connection, tx);
        Add(check, "id", fence.JobId);
        Add(check, "owner", fence.Owner);
        Add(check, "attempt", fence.Attempt);
        if (await check.ExecuteScalarAsync(ct) is null) throw new LoadFencedException(fence.JobId);
    }

    private static async Task ReplaceFailuresAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid jobId,
        IReadOnlyList<RecordFailure> failures, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(ReplaceFailures, connection, tx);
        Add(command, "job_id", jobId);
        Add(command, "lines", failures.Select(f => f.LineNumber).ToArray());
        Add(command, "reasons", failures.Select(f => f.Reason).ToArray());
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task SaveFailuresAsync(LoadFence fence, IReadOnlyList<RecordFailure> failures, CancellationToken ct)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var clear = new NpgsqlCommand("DELETE FROM records WHERE job_id = @id", connection, tx))
        {
            Add(clear, "id", fence.JobId);
            await clear.ExecuteNonQueryAsync(ct);
        }
        await ReplaceFailuresAsync(connection, tx, fence.JobId, failures, ct);
        await CheckFenceAsync(connection, tx, fence, forShare: true, ct);
        await tx.CommitAsync(ct);
    }

    public async Task<IReadOnlyList<RecordFailure>> GetFailuresAsync(Guid jobId, int limit, CancellationToken ct)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand(
            "SELECT line_number, reason FROM record_failures WHERE job_id = @id ORDER BY line_number LIMIT @limit", connection);
        Add(command, "id", jobId);
        Add(command, "limit", limit);
        var failures = new List<RecordFailure>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) failures.Add(new RecordFailure(reader.GetInt64(0), reader.GetString(1)));
        return failures;
    }

    public async Task<IReadOnlyList<RecordRow>> ListRecordsAsync(RecordQuery query, CancellationToken ct)
    {
        var after = query.After is null ? "" : " AND (r.job_id, r.row_number) > (@after_job, @after_row)";
        var sql = query.JobId is not null
            ? $"SELECT r.job_id, r.row_number, r.dataset, r.data::text FROM records r WHERE r.job_id = @job_id{after} ORDER BY r.job_id, r.row_number LIMIT @limit"
            : $"""
               SELECT r.job_id, r.row_number, r.dataset, r.data::text FROM records r
               WHERE r.job_id = ANY(ARRAY(SELECT id FROM jobs WHERE dataset = @dataset AND status = 'succeeded')){after}
               ORDER BY r.job_id, r.row_number LIMIT @limit
               """;
        await using var connection = await _dataSource.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        if (query.JobId is { } id) Add(command, "job_id", id);
        else Add(command, "dataset", query.Dataset ?? "");
        if (query.After is { } a)
        {
            Add(command, "after_job", a.JobId);
            Add(command, "after_row", a.RowNumber);
        }
        Add(command, "limit", query.Limit);
        var rows = new List<RecordRow>(query.Limit);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            rows.Add(new RecordRow(reader.GetGuid(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3)));
        return rows;
    }

    public async Task<IReadOnlyList<DatasetSummary>> ListDatasetsAsync(CancellationToken ct)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand("""
            SELECT j.dataset, count(*), coalesce(sum((SELECT count(*) FROM records r WHERE r.job_id = j.id)), 0)::bigint,
                max(j.completed_at)
            FROM jobs j WHERE j.dataset IS NOT NULL AND j.status = 'succeeded'
            GROUP BY j.dataset ORDER BY j.dataset
            """, connection);
        var list = new List<DatasetSummary>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            list.Add(new DatasetSummary(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2),
                reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3)));
        }
        return list;
    }

    /// <summary>An open COPY inside the attempt's transaction; disposing it unfinished rolls everything back.</summary>
    private sealed class PostgresRecordLoad(NpgsqlConnection connection, NpgsqlTransaction tx, NpgsqlBinaryImporter importer,
        LoadFence fence) : IRecordLoad
    {
        private bool _importing = true;
        private bool _disposed;

        public ValueTask AddAsync(long rowNumber, string json, CancellationToken ct)
        {
            // Synchronous writes fill Npgsql's buffer and only block when it flushes: far cheaper per row than
            // an async call, and this runs on a worker's own task.
            importer.StartRow();
            importer.Write(fence.JobId, NpgsqlDbType.Uuid);
            importer.Write(rowNumber, NpgsqlDbType.Bigint);
            importer.Write(fence.Dataset, NpgsqlDbType.Text);
            importer.Write(json, NpgsqlDbType.Json);
            return ValueTask.CompletedTask;
        }

        public async Task CompleteAsync(IReadOnlyList<RecordFailure> failures, CancellationToken ct)
        {
            await importer.CompleteAsync(ct);
            await importer.DisposeAsync();
            _importing = false;
            await ReplaceFailuresAsync(connection, tx, fence.JobId, failures, ct);
            await CheckFenceAsync(connection, tx, fence, forShare: true, ct);
            await tx.CommitAsync(ct);
        }

        public async ValueTask DisposeAsync()
        {
            if (_disposed) return;
            _disposed = true;
            if (_importing)
            {
                // Disposing an unfinished importer cancels the COPY; the connection's reset rolls back the rest.
                try
                {
                    await importer.DisposeAsync();
                }
                catch (Exception)
                {
                    // The connection may be broken already; closing it below still ends the transaction.
                }
            }
            await tx.DisposeAsync();
            await connection.DisposeAsync();
        }
    }
}
