namespace Conveyor.Ingestion.Readers;

/// <summary>Where a reader puts what it parsed: rows as JSON, and failures by line number.</summary>
public interface IRowSink
{
    /// <summary>Declares the rows tabular: each row that follows is a JSON array aligned with <paramref name="columns"/>.</summary>
    ValueTask ColumnsAsync(IReadOnlyList<string> columns, CancellationToken ct);

    /// <summary>One row; <paramref name="json"/> is only valid during the call.</summary>
    ValueTask RowAsync(ReadOnlyMemory<char> json, CancellationToken ct);

    void Fail(long lineNumber, string reason);
}
