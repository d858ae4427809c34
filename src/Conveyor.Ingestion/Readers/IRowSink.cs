namespace Conveyor.Ingestion.Readers;

/// <summary>Where a reader puts what it parsed: rows as JSON objects, and failures by line number.</summary>
public interface IRowSink
{
    ValueTask RowAsync(string json, CancellationToken ct);

    void Fail(long lineNumber, string reason);
}
