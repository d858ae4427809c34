using Conveyor.Ingestion.Readers;
using System.IO.Compression;
using System.Text.Json;

namespace Conveyor.Ingestion.Detection;

/// <summary>Full detection from a file's head: the sniffed kind plus, for loadable data, dialect, columns and samples.</summary>
public static class ContentDetector
{
    public const int SampleRows = 5;

    public static (SniffResult Sniff, DetectionResult? Detection) Detect(ReadOnlySpan<byte> head, bool complete)
    {
        var sniff = ContentSniffer.Sniff(head, complete);
        if (sniff.Kind is ContentKind.Refused) return (sniff, null);
        var text = head.ToArray();
        var textComplete = complete;
        if (sniff.Gzip) text = Gunzip(text, ref textComplete);
        var encoding = TextDecoding.Detect(text, out var bom);
        var decoded = sniff.Kind is ContentKind.Audio ? null : TextDecoding.Decode(text, textComplete, out _);
        var result = new DetectionResult
        {
            Type = sniff.Kind.ToString().ToLowerInvariant(),
            MimeType = sniff.ContentType,
            Gzip = sniff.Gzip,
            Encoding = decoded is null ? null : TextDecoding.Name(encoding, bom > 0),
            Bom = bom > 0,
            Delimiter = null,
            Quote = null,
            HasHeader = null,
            Columns = [],
            Confidence = 1,
            SampleRows = [],
        };
        if (decoded is null) return (sniff, result);
        return (sniff, sniff.Kind switch
        {
            ContentKind.Csv => Csv(result, decoded, textComplete),
            ContentKind.Json => Json(result, decoded, textComplete, array: true),
            ContentKind.Ndjson => Json(result, decoded, textComplete, array: false),
            _ => result,
        });
    }

    private static byte[] Gunzip(byte[] compressed, ref bool complete)
    {
        using var gzip = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
        var buffer = new byte[ContentSniffer.HeadBytes];
        var total = 0;
        try
        {
            int read;
            while (total < buffer.Length && (read = gzip.Read(buffer, total, buffer.Length - total)) > 0) total += read;
            complete = complete && total < buffer.Length;
        }
        catch (InvalidDataException)
        {
            complete = false;
        }
        return buffer[..total];
    }

    private static DetectionResult Csv(DetectionResult result, string text, bool complete)
    {
        var (delimiter, consistency, fields) = CsvDialectDetector.FindDelimiter(text, complete);
        var records = CsvDialectDetector.Split(text, delimiter, '"', complete, 200);
        var header = CsvDialectDetector.HasHeader(records);
        var names = CsvRowJson.ColumnNames(header && records.Count > 0 ? records[0] : null, fields);
        var data = header ? records.Skip(1).ToList() : records;
        var columns = names.Select((name, i) => new DetectedColumn(name,
            ValueTypes.InferColumn(data.Select(r => i < r.Count ? r[i] : "")))).ToList();
        var writer = new CsvRowJson(names.Count);
        var samples = data.Take(SampleRows)
            .Select(r => JsonDocument.Parse(Storage.RecordColumns.ToObject(writer.Build(r), names)).RootElement).ToList();
        return result with
        {
            Delimiter = delimiter.ToString(),
            Quote = "\"",
            HasHeader = header,
            Columns = columns,
            Confidence = Math.Round(consistency, 3),
            SampleRows = samples,
        };
    }

    private static DetectionResult Json(DetectionResult result, string text, bool complete, bool array)
    {
        var elements = new List<JsonElement>();
        var bad = 0;
        if (array)
        {
            var reader = new Utf8JsonReader(System.Text.Encoding.UTF8.GetBytes(text), isFinalBlock: complete, default);
            try
            {
                if (reader.Read() && reader.TokenType == JsonTokenType.StartArray)
                {
                    while (elements.Count < 200 && reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        if (!JsonElement.TryParseValue(ref reader, out var element)) break;
                        elements.Add(element.Value);
                    }
                }
            }
            catch (JsonException)
            {
                // The sample ends mid-element (or is malformed further on): what was read is the sample.
            }
        }
        else
        {
            foreach (var line in ContentSniffer.LineSample(text, complete))
            {
                try
                {
                    elements.Add(JsonDocument.Parse(line).RootElement.Clone());
                }
                catch (JsonException)
                {
                    bad++;
                }
            }
        }
        var objects = elements.Where(e => e.ValueKind == JsonValueKind.Object).ToList();
        var columns = new List<DetectedColumn>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var obj in objects)
        {
            foreach (var property in obj.EnumerateObject())
            {
                var type = JsonType(property.Value);
                if (!index.TryGetValue(property.Name, out var i))
                {
                    index[property.Name] = columns.Count;
                    columns.Add(new DetectedColumn(property.Name, type));
                }
                else if (columns[i].Type != type && type != "null")
                {
                    columns[i] = columns[i] with { Type = columns[i].Type == "null" ? type : (columns[i].Type, type) is ("integer", "number") or ("number", "integer") ? "number" : "mixed" };
                }
            }
        }
        var total = elements.Count + bad;
        return result with
        {
            Columns = columns,
            Confidence = total == 0 ? 0.5 : Math.Round((double)objects.Count / total, 3),
            SampleRows = objects.Where(IsWellFormedText).Take(SampleRows).ToList(),
        };
    }

    /// <summary>
    /// False for a row holding escaped text that is not valid Unicode (a lone surrogate such as <c>\ud800</c>): valid
    /// JSON syntax, but no string can hold it. Such a row is left out of the samples; the loader counts it as failed.
    /// </summary>
    private static bool IsWellFormedText(JsonElement row)
    {
        try
        {
            JsonSerializer.Serialize(row);
            return true;
        }
        catch (Exception e) when (e is InvalidOperationException or JsonException)
        {
            return false;
        }
    }

    private static string JsonType(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "string",
        JsonValueKind.Number => value.TryGetInt64(out _) ? "integer" : "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        _ => "null",
    };
}
