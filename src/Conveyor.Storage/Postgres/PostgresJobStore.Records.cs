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

    /// <summary>
    /// Removes a job's rows and its <c>record_loads</c> row. Without a committed load there are no rows, and the
    /// EXISTS (a one-time filter) skips the records table: that scan is not free, for the planner may read every
    /// block range a big recent load filled, or the whole table when few jobs hold all of it.
    /// </summary>
    private const string DeleteRecords = """
        WITH load AS (DELETE FROM record_loads WHERE job_id = @id RETURNING 1)
        DELETE FROM records WHERE job_id = @id AND EXISTS (SELECT 1 FROM load)
        """;

    private const string InsertLoad = """
        INSERT INTO record_loads (job_id, columns, loaded_at) VALUES (@id, @columns::jsonb, @loaded_at)
        ON CONFLICT (job_id) DO UPDATE SET columns = excluded.columns, loaded_at = excluded.loaded_at
        """;

    /// <summary>Summarizes the block ranges loads have filled since the last call (see migration 0004).</summary>
    private const string SummarizeRecords = "SELECT brin_summarize_new_values('records_job_row_brin')";

    /// <summary>
    /// One page of a job's rows. Rows are numbered 1..n without gaps, so the page is the number range after the
    /// cursor, which the BRIN index finds without reading the rest of the job. A job without a committed load has
    /// no rows, and the EXISTS (a one-time filter) skips the table for it.
    /// </summary>
    internal const string SelectRowRange = """
        SELECT row_number, dataset, data::text FROM records
        WHERE job_id = @job_id AND row_number > @after AND row_number <= @after + @limit
            AND EXISTS (SELECT 1 FROM record_loads WHERE job_id = @job_id)
        ORDER BY row_number
        """;

    /// <summary>The general form, for rows that are not numbered densely (none today): correct, but reads the rest of the job.</summary>
    private const string SelectRowsAfter = """
        SELECT row_number, dataset, data::text FROM records
        WHERE job_id = @job_id AND row_number > @after AND EXISTS (SELECT 1 FROM record_loads WHERE job_id = @job_id)
        ORDER BY row_number LIMIT @limit
        """;

    private static NpgsqlBatchCommand PurgeRecordsCommand(Guid jobId)
    {
        var command = new NpgsqlBatchCommand(DeleteRecords);
        Add(command.Parameters, "id", jobId);
        return command;
    }

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
            await using (var clear = new NpgsqlCommand(DeleteRecords, connection, tx))
            {
                Add(clear, "id", fence.JobId);
                await clear.ExecuteNonQueryAsync(ct);
            }
            var importer = await connection.BeginBinaryImportAsync(CopyRecords, ct);
            return new PostgresRecordLoad(this, connection, tx, importer, fence);
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
        await using (var clear = new NpgsqlCommand(DeleteRecords, connection, tx))
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
        await using var connection = await _dataSource.OpenConnectionAsync(ct);
        var rows = new List<RecordRow>(query.Limit);
        var after = query.After;
        if (query.JobId is { } jobId)
        {
            // Keyset order is (job_id, row_number), and uuid order is the order of the canonical text.
            var order = after is { } a ? string.CompareOrdinal(a.JobId.ToString(), jobId.ToString()) : -1;
            if (order <= 0) await ReadJobRowsAsync(connection, jobId, order == 0 ? after!.Value.RowNumber : 0, query.Limit, rows, ct);
            return rows;
        }

        // A dataset's page is filled job by job, succeeded jobs in id order, from the cursor's job on.
        Guid? from = after?.JobId;
        var inclusive = true;
        while (rows.Count < query.Limit)
        {
            var jobs = await DatasetJobsAsync(connection, query.Dataset ?? "", from, inclusive, ct);
            foreach (var id in jobs)
            {
                var afterRow = after is { } a && a.JobId == id ? a.RowNumber : 0;
                await ReadJobRowsAsync(connection, id, afterRow, query.Limit - rows.Count, rows, ct);
                if (rows.Count >= query.Limit) break;
            }
            if (jobs.Count < DatasetJobBatch) break;
            from = jobs[^1];
            inclusive = false;
        }
        return rows;
    }

    private const int DatasetJobBatch = 64;

    private static async Task<List<Guid>> DatasetJobsAsync(NpgsqlConnection connection, string dataset, Guid? from, bool inclusive,
        CancellationToken ct)
    {
        var bound = from is null ? "" : inclusive ? " AND id >= @from" : " AND id > @from";
        await using var command = new NpgsqlCommand(
            $"SELECT id FROM jobs WHERE dataset = @dataset AND status = 'succeeded'{bound} ORDER BY id LIMIT @limit", connection);
        Add(command, "dataset", dataset);
        if (from is { } f) Add(command, "from", f);
        Add(command, "limit", DatasetJobBatch);
        var ids = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) ids.Add(reader.GetGuid(0));
        return ids;
    }

    /// <summary>Appends up to <paramref name="limit"/> of the job's rows after <paramref name="afterRow"/>, as objects.</summary>
    private static async Task ReadJobRowsAsync(NpgsqlConnection connection, Guid jobId, long afterRow, int limit, List<RecordRow> rows,
        CancellationToken ct)
    {
        IReadOnlyList<string>? columns = null;
        var before = rows.Count;
        await using (var batch = new NpgsqlBatch(connection))
        {
            var columnsQuery = new NpgsqlBatchCommand("SELECT columns::text FROM record_loads WHERE job_id = @job_id");
            Add(columnsQuery.Parameters, "job_id", jobId);
            batch.BatchCommands.Add(columnsQuery);
            batch.BatchCommands.Add(RowsCommand(SelectRowRange, jobId, afterRow, limit));
            await using var reader = await batch.ExecuteReaderAsync(ct);
            if (await reader.ReadAsync(ct) && !reader.IsDBNull(0)) columns = RecordColumns.Deserialize(reader.GetString(0));
            await reader.NextResultAsync(ct);
            await ReadRowsAsync(reader, jobId, columns, rows, ct);
        }
        var missing = limit - (rows.Count - before);
        if (missing == 0) return;
        // Fewer rows than numbers: the end of the job (the usual case, and then this finds nothing at once), or a gap.
        var last = rows.Count > before ? rows[^1].RowNumber : afterRow;
        await using var rest = new NpgsqlBatch(connection) { BatchCommands = { RowsCommand(SelectRowsAfter, jobId, last, missing) } };
        await using var restReader = await rest.ExecuteReaderAsync(ct);
        await ReadRowsAsync(restReader, jobId, columns, rows, ct);
    }

    private static NpgsqlBatchCommand RowsCommand(string sql, Guid jobId, long afterRow, int limit)
    {
        var command = new NpgsqlBatchCommand(sql);
        Add(command.Parameters, "job_id", jobId);
        Add(command.Parameters, "after", afterRow);
        Add(command.Parameters, "limit", (long)limit);
        return command;
    }

    private static async Task ReadRowsAsync(NpgsqlDataReader reader, Guid jobId, IReadOnlyList<string>? columns, List<RecordRow> rows,
        CancellationToken ct)
    {
        while (await reader.ReadAsync(ct))
            rows.Add(new RecordRow(jobId, reader.GetInt64(0), reader.GetString(1), RecordColumns.ToObject(reader.GetString(2), columns)));
    }

    public async Task<IReadOnlyList<DatasetSummary>> ListDatasetsAsync(CancellationToken ct)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand(DatasetSummarySql.List, connection);
        var list = new List<DatasetSummary>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            list.Add(new DatasetSummary(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2),
                reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3)));
        }
        return list;
    }

    /// <summary>
    /// Summarizes the BRIN ranges committed loads filled, so that reads of their rows skip everything else. It runs
    /// in the background (<see cref="_summarizer"/>): a job's success does not wait for it, and until it has run a
    /// read treats the new ranges as candidates, which is slower, never wrong (VACUUM summarizes them too).
    /// </summary>
    private async Task SummarizeRecordsAsync(CancellationToken ct)
    {
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(ct);
            await using var command = new NpgsqlCommand(SummarizeRecords, connection);
            await command.ExecuteNonQueryAsync(ct);
        }
        catch (NpgsqlException e) when (!ct.IsCancellationRequested)
        {
            PostgresLog.SummarizeFailed(_logger, e);
        }
    }

    /// <summary>An open COPY inside the attempt's transaction; disposing it unfinished rolls everything back.</summary>
    private sealed class PostgresRecordLoad(PostgresJobStore store, NpgsqlConnection connection, NpgsqlTransaction tx,
        NpgsqlBinaryImporter importer, LoadFence fence) : IRecordLoad
    {
        private IReadOnlyList<string>? _columns;
        private bool _importing = true;
        private bool _disposed;

        public ValueTask SetColumnsAsync(IReadOnlyList<string> columns, CancellationToken ct)
        {
            _columns = columns;
            return ValueTask.CompletedTask;
        }

        public ValueTask AddAsync(long rowNumber, ReadOnlyMemory<char> json, CancellationToken ct)
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
            await using (var loaded = new NpgsqlCommand(InsertLoad, connection, tx))
            {
                Add(loaded, "id", fence.JobId);
                Add(loaded, "columns", _columns is null ? null : RecordColumns.Serialize(_columns));
                Add(loaded, "loaded_at", store.Now().Truncate());
                await loaded.ExecuteNonQueryAsync(ct);
            }
            await ReplaceFailuresAsync(connection, tx, fence.JobId, failures, ct);
            await CheckFenceAsync(connection, tx, fence, forShare: true, ct);
            await tx.CommitAsync(ct);
            store._summarizer.Request();
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
