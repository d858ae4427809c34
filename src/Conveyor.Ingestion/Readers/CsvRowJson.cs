using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Conveyor.Ingestion.Readers;

/// <summary>
/// Turns CSV fields into a JSON object keyed by column name, values kept as the strings they were (detection
/// reports the inferred types; the data is not converted, so "007" reads back as "007").
/// </summary>
public sealed class CsvRowJson
{
    private readonly JsonEncodedText[] _names;
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private readonly Utf8JsonWriter _writer;

    public CsvRowJson(IReadOnlyList<string> names)
    {
        _names = names.Select(n => JsonEncodedText.Encode(n)).ToArray();
        _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { SkipValidation = true });
    }

    public int Count => _names.Length;

    /// <summary>Header cells made usable as keys: blanks become <c>column_N</c>, repeats get <c>_2</c>, <c>_3</c>…</summary>
    public static List<string> ColumnNames(IReadOnlyList<string>? header, int fields)
    {
        var names = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var count = Math.Max(header?.Count ?? 0, fields);
        for (var i = 0; i < count; i++)
        {
            var name = header is not null && i < header.Count && header[i].Trim().Length > 0 ? header[i].Trim() : $"column_{i + 1}";
            var unique = name;
            for (var n = 2; !seen.Add(unique); n++) unique = $"{name}_{n}";
            names.Add(unique);
        }
        return names;
    }

    public string Build(IReadOnlyList<string> fields)
    {
        Begin();
        for (var i = 0; i < _names.Length; i++) _writer.WriteString(_names[i], i < fields.Count ? fields[i] : "");
        return End();
    }

    internal void Begin()
    {
        _buffer.ResetWrittenCount();
        _writer.Reset();
        _writer.WriteStartObject();
    }

    internal void Field(int index, ReadOnlySpan<char> value) => _writer.WriteString(_names[index], value);

    internal string End()
    {
        _writer.WriteEndObject();
        _writer.Flush();
        return Encoding.UTF8.GetString(_buffer.WrittenSpan);
    }
}
