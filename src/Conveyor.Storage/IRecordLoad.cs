namespace Conveyor.Storage;

/// <summary>One attempt's load of a job's rows (binary COPY on PostgreSQL, batched inserts on SQLite).</summary>
public interface IRecordLoad : IAsyncDisposable
{
    /// <summary>Adds one row; <paramref name="json"/> is a JSON object.</summary>
    ValueTask AddAsync(long rowNumber, string json, CancellationToken ct);

    /// <summary>
    /// Makes the rows and <paramref name="failures"/> the job's, if the job is still this attempt's;
    /// otherwise throws <see cref="LoadFencedException"/> and leaves nothing of this attempt behind.
    /// </summary>
    Task CompleteAsync(IReadOnlyList<RecordFailure> failures, CancellationToken ct);
}
