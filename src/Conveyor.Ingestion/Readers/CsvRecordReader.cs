using System.Text;

using Sylvan.Data.Csv;

namespace Conveyor.Ingestion.Readers;

/// <summary>
/// Streams delimited text (Sylvan.Data.Csv) into JSON array rows, after declaring the columns (the header's cells,
/// or column_1… without one); memory stays flat.
/// </summary>
public static class CsvRecordReader
{
    public static async Task ReadAsync(Stream input, char delimiter, char quote, bool hasHeader, IRowSink sink, CancellationToken ct)
    {
        using var text = new StreamReader(input, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        var options = new CsvDataReaderOptions
        {
            HasHeaders = false,
            Delimiter = delimiter,
            Quote = quote,
            BufferSize = 1 << 16,
            MaxBufferSize = 16 << 20,
        };
        await using var csv = await CsvDataReader.CreateAsync(text, options, ct);
        CsvRowJson? row = null;
        long line = 1;
        try
        {
            while (await csv.ReadAsync(ct))
            {
                var start = line;
                var raw = csv.GetRawRecordSpan();
                line += LineBreaks(raw); // the raw record ends with its own line break
                var count = csv.RowFieldCount;
                if (count <= 1 && raw.Trim().Length == 0) continue;
                if (row is null)
                {
                    var first = Enumerable.Range(0, count).Select(i => csv.GetString(i)).ToList();
                    var names = CsvRowJson.ColumnNames(hasHeader ? first : null, count);
                    await sink.ColumnsAsync(names, ct);
                    row = new CsvRowJson(names.Count);
                    if (hasHeader) continue;
                }
                if (count != row.Count)
                {
                    sink.Fail(start, $"Expected {row.Count} fields, found {count}.");
                    continue;
                }
                row.Begin();
                for (var i = 0; i < count; i++) row.Field(csv.GetFieldSpan(i));
                await sink.RowAsync(row.End(), ct);
            }
        }
        catch (CsvFormatException e)
        {
            throw new InvalidDataException($"Malformed CSV near line {line}: {e.Message}", e);
        }
    }

    /// <summary>Line breaks in <paramref name="raw"/>: <c>\r\n</c>, <c>\n</c> and a lone <c>\r</c> each end one line.</summary>
    private static int LineBreaks(ReadOnlySpan<char> raw) => raw.Count('\n') + raw.Count('\r') - raw.Count("\r\n");
}
