using Conveyor.Ingestion.Readers;
using Conveyor.Storage;
using Conveyor.Workers;

namespace Conveyor.Ingestion.Handlers;

/// <summary>
/// Numbers rows 1, 2, 3… into the load, keeps the first failures, and reports progress every N rows with
/// <c>records_total</c> estimated from the share of the file read so far.
/// </summary>
internal sealed class LoadSink(IRecordLoad load, IProgressReporter progress, Func<double> fractionRead, int keptFailures, int reportEvery,
    long maxRows = long.MaxValue) : IRowSink
{
    private readonly List<RecordFailure> _failures = [];
    private long _nextReport = reportEvery;

    public long Loaded { get; private set; }
    public long Failed { get; private set; }
    public IReadOnlyList<RecordFailure> Failures => _failures;

    public ValueTask ColumnsAsync(IReadOnlyList<string> columns, CancellationToken ct) => load.SetColumnsAsync(columns, ct);

    public async ValueTask RowAsync(ReadOnlyMemory<char> json, CancellationToken ct)
    {
        CheckRows();
        await load.AddAsync(++Loaded, json, ct);
        if (Loaded + Failed >= _nextReport) Report();
    }

    public void Fail(long lineNumber, string reason)
    {
        CheckRows();
        Failed++;
        if (_failures.Count < keptFailures) _failures.Add(new RecordFailure(lineNumber, reason));
        if (Loaded + Failed >= _nextReport) Report();
    }

    private void CheckRows()
    {
        if (Loaded + Failed >= maxRows)
            throw JobFailedException.Permanent($"The file holds more than {maxRows} rows, the limit of Conveyor:Ingestion:MaxRows.");
    }

    private void Report()
    {
        _nextReport += reportEvery;
        var seen = Loaded + Failed;
        var fraction = fractionRead();
        long? estimate = fraction > 0 ? Math.Max(seen, (long)(seen / Math.Min(fraction, 1))) : null;
        progress.Report(Loaded, Failed, estimate);
    }
}
