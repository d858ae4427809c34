using Conveyor.Core;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Conveyor.Storage.Sqlite;

/// <summary>The ingestion half of the SQLite store: stored files, detection results, records and parse failures.</summary>
public sealed partial class SqliteJobStore
{
    /// <summary>
    /// Rows per load transaction. SQLite has one writer: a whole-file transaction would hold every heartbeat,
    /// claim and completion of every worker for the length of the load (and past the lease), so a load commits
    /// in large batches, each fenced by the lease. Rows of an attempt that dies part-way are removed by the next
    /// attempt's first batch, or with the job when it ends failed or cancelled; datasets only show rows of
    /// succeeded jobs, so a partial load is never read as data.
    /// </summary>
    public const int LoadBatchRows = 50_000;

    /// <summary>Bytes (UTF-8) at which a batch is written before it has <see cref="LoadBatchRows"/> rows: wide rows.</summary>
    public const int LoadBatchBytes = 16 << 20;

    private const string FenceCheck =
        "SELECT 1 FROM jobs WHERE id = @id AND status = 'running' AND lease_owner = @owner AND attempt = @attempt";

    /// <summary>Removes the loaded rows of a job: its chunks, then its <c>record_loads</c> row.</summary>
    internal static async Task PurgeRecordsAsync(SqliteConnection connection, SqliteTransaction tx, Guid jobId, CancellationToken ct)
    {
        await ExecuteAsync(connection, tx, "DELETE FROM record_chunks WHERE load_id = (SELECT id FROM record_loads WHERE job_id = @id)", ct,
            ("@id", jobId.ToString()));
        await ExecuteAsync(connection, tx, "DELETE FROM record_loads WHERE job_id = @id", ct, ("@id", jobId.ToString()));
        // Give the purged rows' pages back to the file system as the transaction commits (auto_vacuum is incremental,
        // see MigrateAsync): a failed 3 GB load left a 3 GB file behind. Nothing to do when nothing was freed.
        await ExecuteAsync(connection, tx, "PRAGMA incremental_vacuum", ct);
    }

    private static async Task ExecuteAsync(SqliteConnection connection, SqliteTransaction tx, string sql, CancellationToken ct,
        params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(connection, tx, sql);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        await command.ExecuteNonQueryAsync(ct);
    }

    public Task<IReadOnlyList<Job>> CreateWithFilesAsync(IReadOnlyList<NewUpload> uploads, AuditContext audit, CancellationToken ct) =>
        _orchestration.CreateWithFilesAsync(uploads, audit, ct);

    public async Task<StoredFile?> GetFileAsync(Guid jobId, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT path, original_name, size, sha256, content_type, stored_at FROM stored_files WHERE job_id = @id";
        command.Parameters.AddWithValue("@id", jobId.ToString());
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return new StoredFile(jobId, reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetInt64(2),
            reader.GetString(3), reader.GetString(4), Microseconds.FromUnixTimeMicroseconds(reader.GetInt64(5)));
    }

    public Task SaveDetectionAsync(DetectionRecord detection, CancellationToken ct) =>
        WriteAsync(async (connection, tx) =>
        {
            await UpsertDetectionAsync(connection, tx, detection, ct);
            return 0;
        }, ct);

    private static Task UpsertDetectionAsync(SqliteConnection connection, SqliteTransaction tx, DetectionRecord detection, CancellationToken ct) =>
        ExecuteAsync(connection, tx, SqliteWriteTransaction.UpsertDetection, ct, ("@id", detection.JobId.ToString()), ("@type", detection.ContentType), ("@result", detection.Result),
            ("@at", detection.DetectedAt.ToUnixTimeMicroseconds()));

    public async Task<DetectionRecord?> GetDetectionAsync(Guid jobId, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT content_type, result, detected_at FROM detection_results WHERE job_id = @id";
        command.Parameters.AddWithValue("@id", jobId.ToString());
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return new DetectionRecord(jobId, reader.GetString(0), reader.GetString(1), Microseconds.FromUnixTimeMicroseconds(reader.GetInt64(2)));
    }

    public async Task<IRecordLoad> BeginLoadAsync(LoadFence fence, CancellationToken ct)
    {
        // The first transaction checks the fence and clears leftovers; a job whose lease is already gone fails here, early.
        var loadId = await WriteAsync(async (connection, tx) =>
        {
            await CheckFenceAsync(connection, tx, fence, ct);
            await PurgeRecordsAsync(connection, tx, fence.JobId, ct);
            await ExecuteAsync(connection, tx, "DELETE FROM record_failures WHERE job_id = @id", ct, ("@id", fence.JobId.ToString()));
            await ExecuteAsync(connection, tx, "DELETE FROM record_columns WHERE job_id = @id", ct, ("@id", fence.JobId.ToString()));
            await using var insert = Command(connection, tx, "INSERT INTO record_loads (job_id, dataset) VALUES (@id, @dataset) RETURNING id");
            insert.Parameters.AddWithValue("@id", fence.JobId.ToString());
            insert.Parameters.AddWithValue("@dataset", fence.Dataset);
            return (long)(await insert.ExecuteScalarAsync(ct))!;
        }, ct);
        return await SqliteRecordLoad.OpenAsync(this, fence, loadId, ct);
    }

    private static async Task CheckFenceAsync(SqliteConnection connection, SqliteTransaction tx, LoadFence fence, CancellationToken ct)
    {
        await using var check = Command(connection, tx, FenceCheck);
        check.Parameters.AddWithValue("@id", fence.JobId.ToString());
        check.Parameters.AddWithValue("@owner", fence.Owner);
        check.Parameters.AddWithValue("@attempt", fence.Attempt);
        if (await check.ExecuteScalarAsync(ct) is null) throw new LoadFencedException(fence.JobId);
    }

    /// <summary>Writes one batch of rows (and, at the end, the failures) in one fenced transaction on the load's connection.</summary>
    private Task WriteBatchAsync(SqliteConnection connection, sqlite3_stmt insert, LoadFence fence, IReadOnlyList<string>? columns,
        LoadBatch rows, IReadOnlyList<RecordFailure>? failures, CancellationToken ct) =>
        WriteOnAsync(connection, async (connection, tx) =>
        {
            await CheckFenceAsync(connection, tx, fence, ct);
            if (columns is not null)
            {
                await ExecuteAsync(connection, tx, """
                    INSERT INTO record_columns (job_id, columns) VALUES (@id, @columns)
                    ON CONFLICT (job_id) DO UPDATE SET columns = excluded.columns
                    """, ct, ("@id", fence.JobId.ToString()), ("@columns", RecordColumns.Serialize(columns)));
            }
            InsertChunks(connection, insert, rows, ct);
            if (failures is not null) await InsertFailuresAsync(connection, tx, fence.JobId, failures, ct);
            return 0;
        }, ct);

    /// <summary>
    /// Binds and steps the load's prepared insert, one record chunk at a time, through SQLitePCL.raw, the library under
    /// Microsoft.Data.Sqlite: a SqliteCommand execution per row cost more than SQLite's own insert.
    /// </summary>
    private static void InsertChunks(SqliteConnection connection, sqlite3_stmt insert, LoadBatch rows, CancellationToken ct)
    {
        for (var i = 0; i < rows.Count; i++)
        {
            if ((i & 1023) == 0) ct.ThrowIfCancellationRequested();
            raw.sqlite3_bind_int64(insert, 1, rows.FirstRow(i));
            raw.sqlite3_bind_text(insert, 2, rows.Chunk(i));
            var rc = raw.sqlite3_step(insert);
            raw.sqlite3_reset(insert);
            if (rc != raw.SQLITE_DONE) SqliteException.ThrowExceptionForRC(rc, connection.Handle);
        }
    }

    private static async Task InsertFailuresAsync(SqliteConnection connection, SqliteTransaction tx, Guid jobId,
        IReadOnlyList<RecordFailure> failures, CancellationToken ct)
    {
        await ExecuteAsync(connection, tx, "DELETE FROM record_failures WHERE job_id = @id", ct, ("@id", jobId.ToString()));
        await using var insert = Command(connection, tx,
            "INSERT OR IGNORE INTO record_failures (job_id, line_number, reason) VALUES (@job_id, @line, @reason)");
        var line = insert.Parameters.Add("@line", SqliteType.Integer);
        var reason = insert.Parameters.Add("@reason", SqliteType.Text);
        insert.Parameters.AddWithValue("@job_id", jobId.ToString());
        foreach (var failure in failures)
        {
            line.Value = failure.LineNumber;
            reason.Value = failure.Reason;
            await insert.ExecuteNonQueryAsync(ct);
        }
    }

    public Task SaveFailuresAsync(LoadFence fence, IReadOnlyList<RecordFailure> failures, CancellationToken ct) =>
        WriteAsync(async (connection, tx) =>
        {
            await CheckFenceAsync(connection, tx, fence, ct);
            await PurgeRecordsAsync(connection, tx, fence.JobId, ct);
            await InsertFailuresAsync(connection, tx, fence.JobId, failures, ct);
            return 0;
        }, ct);

    public async Task<IReadOnlyList<RecordFailure>> GetFailuresAsync(Guid jobId, int limit, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT line_number, reason FROM record_failures WHERE job_id = @id ORDER BY line_number LIMIT @limit";
        command.Parameters.AddWithValue("@id", jobId.ToString());
        command.Parameters.AddWithValue("@limit", limit);
        var failures = new List<RecordFailure>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) failures.Add(new RecordFailure(reader.GetInt64(0), reader.GetString(1)));
        return failures;
    }

    private const string RecordColumnsSql = "l.job_id, c.first_row, l.dataset, c.data, (SELECT columns FROM record_columns WHERE job_id = l.job_id)";

    /// <summary>
    /// One job's record chunks from the one holding row <c>@after_row + 1</c> (one probe of the key), in order. The
    /// reader stops stepping once the page is full.
    /// </summary>
    private const string JobRecords = $"""
        SELECT {RecordColumnsSql} FROM record_loads l JOIN record_chunks c ON c.load_id = l.id
        WHERE l.job_id = @job_id
            AND c.first_row >= coalesce((SELECT max(first_row) FROM record_chunks WHERE load_id = l.id AND first_row <= @after_row + 1), 0)
        ORDER BY c.first_row LIMIT @limit
        """;

    /// <summary>
    /// The record chunks of a dataset's succeeded jobs after a job, by (job id, first row): the jobs in id order from
    /// jobs_dataset_idx, each job's chunks in key order, so no sort and no scan of the rows before the cursor.
    /// </summary>
    private const string DatasetRecords = $"""
        SELECT {RecordColumnsSql} FROM jobs j JOIN record_loads l ON l.job_id = j.id JOIN record_chunks c ON c.load_id = l.id
        WHERE j.dataset = @dataset AND j.status = 'succeeded' AND j.id > @after_job
        ORDER BY j.id, c.first_row LIMIT @limit
        """;

    public async Task<IReadOnlyList<RecordRow>> ListRecordsAsync(RecordQuery query, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        // One read transaction: a dataset page can take the rest of one job and the start of the next.
        await using var tx = connection.BeginTransaction(deferred: true);
        var rows = new List<RecordRow>(query.Limit);
        var reader = new RecordReader(rows);
        var after = query.After;
        if (query.JobId is { } id)
        {
            // Keyset on (job id, row number) within one job: all of it after an earlier job, none after a later one.
            var order = after is { } a ? string.CompareOrdinal(a.JobId.ToString(), id.ToString()) : -1;
            if (order <= 0)
                await reader.ReadAsync(connection, tx, JobRecords, id, order == 0 ? after!.Value.RowNumber : long.MinValue, query.Limit, ct);
        }
        else
        {
            if (after is { } a && await IsInDatasetAsync(connection, tx, a.JobId, query.Dataset ?? "", ct))
                await reader.ReadAsync(connection, tx, JobRecords, a.JobId, a.RowNumber, query.Limit, ct);
            if (rows.Count < query.Limit)
            {
                await using var command = Command(connection, tx, DatasetRecords);
                command.Parameters.AddWithValue("@dataset", query.Dataset ?? "");
                command.Parameters.AddWithValue("@after_job", after?.JobId.ToString() ?? "");
                command.Parameters.AddWithValue("@limit", query.Limit - rows.Count);
                await reader.ReadAsync(command, long.MinValue, query.Limit, ct);
            }
        }
        await tx.CommitAsync(ct);
        return rows;
    }

    private static async Task<bool> IsInDatasetAsync(SqliteConnection connection, SqliteTransaction tx, Guid jobId, string dataset,
        CancellationToken ct)
    {
        await using var command = Command(connection, tx, "SELECT 1 FROM jobs WHERE id = @id AND dataset = @dataset AND status = 'succeeded'");
        command.Parameters.AddWithValue("@id", jobId.ToString());
        command.Parameters.AddWithValue("@dataset", dataset);
        return await command.ExecuteScalarAsync(ct) is not null;
    }

    /// <summary>Reads record rows into a list, parsing each job's column names once.</summary>
    private sealed class RecordReader(List<RecordRow> rows)
    {
        private (string Json, IReadOnlyList<string> List)? _columns;

        public async Task ReadAsync(SqliteConnection connection, SqliteTransaction tx, string sql, Guid jobId, long afterRow, int limit,
            CancellationToken ct)
        {
            await using var command = Command(connection, tx, sql);
            command.Parameters.AddWithValue("@job_id", jobId.ToString());
            command.Parameters.AddWithValue("@after_row", afterRow);
            command.Parameters.AddWithValue("@limit", limit);
            await ReadAsync(command, afterRow, rows.Count + limit, ct);
        }

        /// <summary>Unpacks the chunks the command selects, keeping rows after <paramref name="afterRow"/>, until the page holds <paramref name="until"/>.</summary>
        public async Task ReadAsync(SqliteCommand command, long afterRow, int until, CancellationToken ct)
        {
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (rows.Count < until && await reader.ReadAsync(ct))
            {
                IReadOnlyList<string>? list = null;
                if (!reader.IsDBNull(4))
                {
                    var json = reader.GetString(4);
                    if (_columns?.Json != json) _columns = (json, RecordColumns.Deserialize(json));
                    list = _columns.Value.List;
                }
                RecordChunks.Unpack(Guid.Parse(reader.GetString(0)), reader.GetString(2), reader.GetInt64(1), reader.GetString(3), list, afterRow,
                    until, rows);
            }
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
        await using var connection = await OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = ListDatasets;
        var list = new List<DatasetSummary>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            list.Add(new DatasetSummary(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2),
                reader.IsDBNull(3) ? null : Microseconds.FromUnixTimeMicroseconds(reader.GetInt64(3))));
        }
        return list;
    }
}
