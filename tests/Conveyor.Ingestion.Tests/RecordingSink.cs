using System.Text;
using System.Text.Json;
using Conveyor.Ingestion.Readers;

namespace Conveyor.Ingestion.Tests;

/// <summary>Keeps what a reader hands on: the declared columns, each row's JSON text and each failure's line.</summary>
public sealed class RecordingSink : IRowSink
{
    public List<string>? Columns { get; private set; }
    public List<string> Rows { get; } = [];
    public List<(long Line, string Reason)> Failures { get; } = [];

    public ValueTask ColumnsAsync(IReadOnlyList<string> columns, CancellationToken ct)
    {
        Assert.Null(Columns); // declared once, before the rows
        Assert.Empty(Rows);
        Columns = [.. columns];
        return ValueTask.CompletedTask;
    }

    public ValueTask RowAsync(ReadOnlyMemory<char> json, CancellationToken ct)
    {
        Rows.Add(json.ToString());
        return ValueTask.CompletedTask;
    }

    public void Fail(long lineNumber, string reason) => Failures.Add((lineNumber, reason));

    /// <summary>Each CSV row as its list of values, parsed back from the JSON the reader wrote.</summary>
    public List<string[]> Values() =>
        [.. Rows.Select(r => JsonSerializer.Deserialize<string[]>(r) ?? throw new InvalidDataException(r))];

    public List<long> FailedLines() => [.. Failures.Select(f => f.Line)];

    public static byte[] Utf8(string text, bool bom = false) =>
        bom ? [0xef, 0xbb, 0xbf, .. Encoding.UTF8.GetBytes(text)] : Encoding.UTF8.GetBytes(text);
}
