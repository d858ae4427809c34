namespace Conveyor.Storage;

/// <summary>One attempt's load of a job's rows (binary COPY on PostgreSQL, batched inserts on SQLite).</summary>
public interface IRecordLoad : IAsyncDisposable
{
    /// <summary>
    /// Declares the load tabular: every row that follows is a JSON array of values aligned with
    /// <paramref name="columns"/> (kept once per job: <c>record_loads.columns</c> on PostgreSQL, <c>record_columns</c> on SQLite), and reads give each row back as an
    /// object keyed by them. Call it before the first row, or not at all (rows are then JSON objects).
    /// </summary>
    ValueTask SetColumnsAsync(IReadOnlyList<string> columns, CancellationToken ct);

    /// <summary>
    /// Adds one row: a JSON array (tabular load) or a JSON value. The load copies what it keeps, so the caller may
    /// reuse <paramref name="json"/>'s memory as soon as the call returns.
    /// </summary>
    ValueTask AddAsync(long rowNumber, ReadOnlyMemory<char> json, CancellationToken ct);

    /// <summary>
    /// Makes the rows and <paramref name="failures"/> the job's, if the job is still this attempt's;
    /// otherwise throws <see cref="LoadFencedException"/> and leaves nothing of this attempt behind.
    /// </summary>
    Task CompleteAsync(IReadOnlyList<RecordFailure> failures, CancellationToken ct);
}
