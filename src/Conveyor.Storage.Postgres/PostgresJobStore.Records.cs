using System.Text;
using Conveyor.Core;
using Conveyor.Storage.Driver;
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

    /// <summary>Rows go in as chunks (<see cref="RecordChunks"/>, migration 0005): a run of consecutive rows per table row.</summary>
    private const string CopyChunks = "COPY record_chunks (job_id, first_row, dataset, rows) FROM STDIN (FORMAT BINARY)";

    private const string InsertLoad = """
        INSERT INTO record_loads (job_id, columns, loaded_at) VALUES (@id, @columns::jsonb, @loaded_at)
        ON CONFLICT (job_id) DO UPDATE SET columns = excluded.columns, loaded_at = excluded.loaded_at
        """;

    /// <summary>
    /// The chunks that hold rows <c>@after + 1</c> to <c>@after + @limit</c> of a job: the one holding the first of them
    /// (found by one probe of the primary key) and those starting up to the last. Rows are numbered 1..n without
    /// gaps, so these are all a page needs.
    /// </summary>
    internal const string SelectChunks = """
        SELECT first_row, dataset, rows::text FROM record_chunks
        WHERE job_id = @job_id AND first_row <= @after + @limit
            AND first_row >= (SELECT coalesce(max(first_row), 1) FROM record_chunks WHERE job_id = @job_id AND first_row <= @after + 1)
        ORDER BY first_row
        """;

    /// <summary>The chunks after those, should rows not be numbered densely (none are today): at a job's end, nothing.</summary>
    private const string SelectChunksBeyond = """
        SELECT first_row, dataset, rows::text FROM record_chunks
        WHERE job_id = @job_id AND first_row > @after + @limit
        ORDER BY first_row LIMIT @missing
        """;

    private const string ReplaceFailures = """
        WITH gone AS (DELETE FROM record_failures WHERE job_id = @job_id)
        INSERT INTO record_failures (job_id, line_number, reason)
        SELECT @job_id, f.line, f.reason FROM unnest(@lines::bigint[], @reasons::text[]) AS f (line, reason)
        ON CONFLICT DO NOTHING
        """;

    public Task<IReadOnlyList<Job>> CreateWithFilesAsync(IReadOnlyList<NewUpload> uploads, AuditContext audit, CancellationToken ct) =>
        _orchestration.CreateWithFilesAsync(uploads, audit, ct);

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
        await using var batch = new NpgsqlBatch(connection) { BatchCommands = { PostgresTransaction.SaveDetectionsCommand(new SaveDetectionsParams([detection])) } };
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
    /// writers nothing, unlike SQLite (see <c>SqliteJobStore.LoadBatchRows</c>).
    /// </summary>
    public async Task<IRecordLoad> BeginLoadAsync(LoadFence fence, CancellationToken ct)
    {
        var connection = await _dataSource.OpenConnectionAsync(ct);
        try
        {
            var tx = await connection.BeginTransactionAsync(ct);
            await CheckFenceAsync(connection, tx, fence, forShare: false, ct);
            await using (var clear = new NpgsqlCommand(PostgresTransaction.DeleteRecords, connection, tx))
            {
                Add(clear, "ids", new[] { fence.JobId });
                await clear.ExecuteNonQueryAsync(ct);
            }
            var importer = await connection.BeginBinaryImportAsync(CopyChunks, ct);
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
        await using (var clear = new NpgsqlCommand(PostgresTransaction.DeleteRecords, connection, tx))
        {
            Add(clear, "ids", new[] { fence.JobId });
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
            batch.BatchCommands.Add(ChunksCommand(SelectChunks, jobId, afterRow, limit));
            await using var reader = await batch.ExecuteReaderAsync(ct);
            if (await reader.ReadAsync(ct) && !reader.IsDBNull(0)) columns = RecordColumns.Deserialize(reader.GetString(0));
            await reader.NextResultAsync(ct);
            await ReadChunksAsync(reader, jobId, columns, afterRow, before + limit, rows, ct);
        }
        var missing = limit - (rows.Count - before);
        if (missing == 0) return;
        var rest = ChunksCommand(SelectChunksBeyond, jobId, afterRow, limit);
        Add(rest.Parameters, "missing", (long)missing);
        await using var restBatch = new NpgsqlBatch(connection) { BatchCommands = { rest } };
        await using var restReader = await restBatch.ExecuteReaderAsync(ct);
        await ReadChunksAsync(restReader, jobId, columns, afterRow, before + limit, rows, ct);
    }

    private static NpgsqlBatchCommand ChunksCommand(string sql, Guid jobId, long afterRow, int limit)
    {
        var command = new NpgsqlBatchCommand(sql);
        Add(command.Parameters, "job_id", jobId);
        Add(command.Parameters, "after", afterRow);
        Add(command.Parameters, "limit", (long)limit);
        return command;
    }

    /// <summary>Unpacks chunks into rows, keeping those after <paramref name="afterRow"/> until the list holds <paramref name="until"/>.</summary>
    private static async Task ReadChunksAsync(NpgsqlDataReader reader, Guid jobId, IReadOnlyList<string>? columns, long afterRow, int until,
        List<RecordRow> rows, CancellationToken ct)
    {
        while (rows.Count < until && await reader.ReadAsync(ct))
        {
            RecordChunks.Unpack(jobId, reader.GetString(1), reader.GetInt64(0), reader.GetString(2), columns, afterRow, until, rows);
        }
    }

    /// <summary>
    /// Datasets of succeeded jobs: name, jobs, rows (a succeeded job's <c>records_processed</c> is the number of rows
    /// its load committed) and the last completion.
    /// </summary>
    private const string ListDatasets = """
        SELECT j.dataset, count(*), CAST(coalesce(sum(j.records_processed), 0) AS BIGINT), max(j.completed_at)
        FROM jobs j WHERE j.dataset IS NOT NULL AND j.status = 'succeeded'
        GROUP BY j.dataset ORDER BY j.dataset
        """;

    public async Task<IReadOnlyList<DatasetSummary>> ListDatasetsAsync(CancellationToken ct)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand(ListDatasets, connection);
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
    /// An open COPY inside the attempt's transaction, which packs consecutive rows into chunks (migration 0005);
    /// disposing it unfinished rolls everything back.
    /// </summary>
    private sealed class PostgresRecordLoad(PostgresJobStore store, NpgsqlConnection connection, NpgsqlTransaction tx,
        NpgsqlBinaryImporter importer, LoadFence fence) : IRecordLoad
    {
        private IReadOnlyList<string>? _columns;
        private char[] _chunk = new char[2 * RecordChunks.MaxBytes];
        private int _chunkLength;
        private int _chunkBytes;
        private long _firstRow;
        private long _nextRow;
        private bool _importing = true;
        private bool _disposed;

        public ValueTask SetColumnsAsync(IReadOnlyList<string> columns, CancellationToken ct)
        {
            _columns = columns;
            return ValueTask.CompletedTask;
        }

        public ValueTask AddAsync(long rowNumber, ReadOnlyMemory<char> json, CancellationToken ct)
        {
            // A chunk holds consecutive rows, and closes before it would pass RecordChunks.MaxBytes (one row may be larger).
            var bytes = Encoding.UTF8.GetByteCount(json.Span);
            if (_chunkLength > 0 && (rowNumber != _nextRow || !RecordChunks.Fits(_chunkBytes, bytes))) WriteChunk();
            if (_chunkLength == 0)
            {
                _firstRow = rowNumber;
                _chunkBytes = bytes + 2; // [row]
                Append('[');
            }
            else
            {
                _chunkBytes += bytes + 1; // ,row
                Append(',');
            }
            Append(json.Span);
            _nextRow = rowNumber + 1;
            return ValueTask.CompletedTask;
        }

        private void Append(char c)
        {
            if (_chunkLength == _chunk.Length) Array.Resize(ref _chunk, _chunk.Length * 2);
            _chunk[_chunkLength++] = c;
        }

        private void Append(ReadOnlySpan<char> text)
        {
            if (_chunkLength + text.Length > _chunk.Length) Array.Resize(ref _chunk, Math.Max(_chunk.Length * 2, _chunkLength + text.Length + 1));
            text.CopyTo(_chunk.AsSpan(_chunkLength));
            _chunkLength += text.Length;
        }

        /// <summary>
        /// Writes the open chunk as one COPY row. Synchronous writes fill Npgsql's buffer and only block when it
        /// flushes: far cheaper than an async call, and this runs on a worker's own task.
        /// </summary>
        private void WriteChunk()
        {
            Append(']');
            importer.StartRow();
            importer.Write(fence.JobId, NpgsqlDbType.Uuid);
            importer.Write(_firstRow, NpgsqlDbType.Bigint);
            importer.Write(fence.Dataset, NpgsqlDbType.Text);
            importer.Write(new ReadOnlyMemory<char>(_chunk, 0, _chunkLength), NpgsqlDbType.Json);
            _chunkLength = 0;
        }

        public async Task CompleteAsync(IReadOnlyList<RecordFailure> failures, CancellationToken ct)
        {
            if (_chunkLength > 0) WriteChunk();
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
