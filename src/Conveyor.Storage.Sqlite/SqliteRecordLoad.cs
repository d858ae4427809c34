using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Conveyor.Storage.Sqlite;

public sealed partial class SqliteJobStore
{
    /// <summary>
    /// Writes a load in fenced batches on a connection of its own, one batch at a time by a background writer while
    /// the caller packs the next: parsing and inserting overlap, and memory stays at two batches.
    /// </summary>
    private sealed class SqliteRecordLoad : IAsyncDisposable, IRecordLoad
    {
        private const string Insert = "INSERT INTO record_chunks (load_id, first_row, data) VALUES (?3, ?1, ?2)";

        private readonly SqliteJobStore _store;
        private readonly LoadFence _fence;
        private readonly SqliteConnection _connection;
        private readonly sqlite3_stmt _insert;
        private readonly CancellationTokenSource _stop = new();
        private LoadBatch _filling = new(LoadBatchRows, LoadBatchBytes);
        private LoadBatch _written = new(LoadBatchRows, LoadBatchBytes);
        private Task _writing = Task.CompletedTask;
        private IReadOnlyList<string>? _columns;
        private bool _disposed;

        private SqliteRecordLoad(SqliteJobStore store, LoadFence fence, SqliteConnection connection, sqlite3_stmt insert)
        {
            _store = store;
            _fence = fence;
            _connection = connection;
            _insert = insert;
        }

        public static async Task<SqliteRecordLoad> OpenAsync(SqliteJobStore store, LoadFence fence, long loadId, CancellationToken ct)
        {
            var connection = await SqliteJobStore.OpenAsync(store._loadConnectionString, ct);
            try
            {
                var db = connection.Handle!;
                var rc = raw.sqlite3_prepare_v2(db, Insert, out var insert);
                if (rc != raw.SQLITE_OK) SqliteException.ThrowExceptionForRC(rc, db);
                raw.sqlite3_bind_int64(insert, 3, loadId);
                return new SqliteRecordLoad(store, fence, connection, insert);
            }
            catch
            {
                await connection.DisposeAsync();
                throw;
            }
        }

        public ValueTask SetColumnsAsync(IReadOnlyList<string> columns, CancellationToken ct)
        {
            _columns = columns;
            return ValueTask.CompletedTask;
        }

        public ValueTask AddAsync(long rowNumber, ReadOnlyMemory<char> json, CancellationToken ct)
        {
            _filling.Add(rowNumber, json.Span);
            return _filling.IsFull ? new ValueTask(HandOverAsync(ct)) : ValueTask.CompletedTask;
        }

        /// <summary>Gives the full batch to the writer once it is done with the previous one (whose failure throws here).</summary>
        private async Task HandOverAsync(CancellationToken ct)
        {
            await _writing;
            (_filling, _written) = (_written, _filling);
            _filling.Clear();
            var batch = _written;
            var columns = _columns;
            _columns = null;
            _writing = Task.Run(async () =>
            {
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _stop.Token);
                await _store.WriteBatchAsync(_connection, _insert, _fence, columns, batch, failures: null, linked.Token);
            }, CancellationToken.None);
        }

        public async Task CompleteAsync(IReadOnlyList<RecordFailure> failures, CancellationToken ct)
        {
            await _writing;
            await _store.WriteBatchAsync(_connection, _insert, _fence, _columns, _filling, failures, ct);
            _columns = null;
            _filling.Clear();
        }

        /// <summary>Stops and waits for the writer, so nothing of this load is written after it is disposed.</summary>
        public async ValueTask DisposeAsync()
        {
            // Twice is allowed: the ingest handler disposes a load it gives up before its using block ends.
            if (_disposed) return;
            _disposed = true;
            await _stop.CancelAsync();
            try
            {
                await _writing;
            }
            catch (Exception)
            {
                // Reported by AddAsync or CompleteAsync when the caller went on; a load given up has nothing to report.
            }
            raw.sqlite3_finalize(_insert);
            await _connection.DisposeAsync();
            _stop.Dispose();
        }
    }
}
