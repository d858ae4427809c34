using Npgsql;

namespace Conveyor.Storage.Postgres;

/// <summary>
/// A READ COMMITTED transaction that costs no round trip of its own: <c>BEGIN</c> travels with the first batch
/// (the locking read) and <c>COMMIT</c> with the last (the writes). Disposing an unfinished one rolls it back.
/// </summary>
internal sealed class PostgresTransaction : IAsyncDisposable
{
    private const string Begin = "BEGIN";
    private const string Commit = "COMMIT";

    private readonly NpgsqlConnection _connection;
    private bool _begun;
    private bool _finished;

    private PostgresTransaction(NpgsqlConnection connection) => _connection = connection;

    public static async Task<PostgresTransaction> StartAsync(NpgsqlDataSource dataSource, CancellationToken ct) =>
        new(await dataSource.OpenConnectionAsync(ct));

    /// <summary>Runs <paramref name="commands"/> inside the transaction; the first call also begins it.</summary>
    public async Task<NpgsqlDataReader> ReadAsync(CancellationToken ct, params NpgsqlBatchCommand[] commands)
    {
        var batch = NewBatch(commands);
        if (!_begun)
        {
            batch.BatchCommands.Insert(0, new NpgsqlBatchCommand(Begin));
            _begun = true;
        }
        await batch.PrepareAsync(ct);
        return await batch.ExecuteReaderAsync(ct);
    }

    /// <summary>Runs <paramref name="commands"/> and commits in the same round trip.</summary>
    public async Task CommitAsync(CancellationToken ct, params NpgsqlBatchCommand[] commands)
    {
        if (!_begun && commands.Length == 0)
        {
            _finished = true;
            return;
        }
        await using var reader = await CommitReadingAsync(ct, commands);
        while (await reader.NextResultAsync(ct))
        {
            // Drains every statement's result so that an error surfaces here.
        }
    }

    /// <summary>
    /// Runs <paramref name="commands"/> and commits in the same round trip; the reader stands on the first result
    /// set that has rows. Read it to the end, so that a failed COMMIT surfaces.
    /// </summary>
    public async Task<NpgsqlDataReader> CommitReadingAsync(CancellationToken ct, params NpgsqlBatchCommand[] commands)
    {
        var batch = NewBatch(commands);
        if (_begun) batch.BatchCommands.Add(new NpgsqlBatchCommand(Commit));
        _finished = true;
        await batch.PrepareAsync(ct);
        return await batch.ExecuteReaderAsync(ct);
    }

    private NpgsqlBatch NewBatch(NpgsqlBatchCommand[] commands)
    {
        if (_finished) throw new InvalidOperationException("The transaction has already been committed.");
        var batch = new NpgsqlBatch(_connection);
        foreach (var command in commands) batch.BatchCommands.Add(command);
        return batch;
    }

    /// <summary>
    /// Closing hands the connection back to the pool, whose reset rolls back a transaction left unfinished
    /// (and a broken connection takes its transaction with it).
    /// </summary>
    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
