using System.Text;
using System.Text.Json;
using Conveyor.Core;
using Conveyor.Storage;

namespace Conveyor.Api.V1.Ingestion;

/// <summary>
/// Streams rows as CSV, page by page (memory stays flat). Columns are the keys of the first row; a cell that
/// starts with =, +, -, @ (or tab, CR) gets a leading apostrophe so that spreadsheets show it instead of running it.
/// </summary>
public sealed class CsvRecordsResult(IRecordReader store, RecordQuery query, int pageSize) : IResult
{
    public async Task ExecuteAsync(HttpContext context)
    {
        var ct = context.RequestAborted;
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "text/csv; charset=utf-8";
        await using var writer = new StreamWriter(context.Response.Body, new UTF8Encoding(false), 1 << 16);
        List<string>? columns = null;
        var line = new StringBuilder();
        var q = query with { Limit = pageSize };
        while (true)
        {
            var rows = await store.ListRecordsAsync(q, ct);
            foreach (var row in rows)
            {
                var data = StoredJson.Parse(row.Data, Null);
                if (columns is null)
                {
                    columns = data.ValueKind == JsonValueKind.Object ? data.EnumerateObject().Select(p => p.Name).ToList() : ["value"];
                    await writer.WriteAsync(string.Join(',', columns.Select(Cell)) + "\r\n");
                }
                line.Clear();
                for (var i = 0; i < columns.Count; i++)
                {
                    if (i > 0) line.Append(',');
                    var value = data.ValueKind == JsonValueKind.Object && data.TryGetProperty(columns[i], out var v) ? Text(v) : "";
                    line.Append(Cell(value));
                }
                line.Append("\r\n");
                await writer.WriteAsync(line, ct);
            }
            if (rows.Count < pageSize) break;
            q = q with { After = (rows[^1].JobId, rows[^1].RowNumber) };
        }
        await writer.FlushAsync(ct);
    }

    private static readonly JsonElement Null = JsonDocument.Parse("null").RootElement.Clone();

    private static string Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Null or JsonValueKind.Undefined => "",
        _ => value.GetRawText(),
    };

    /// <summary>One CSV cell: formula-escaped, then quoted when it holds a comma, quote or line break.</summary>
    public static string Cell(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r') value = "'" + value;
        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
