using System.Text.Json;

namespace Conveyor.Ingestion.Readers;

/// <summary>
/// Turns CSV fields into a JSON array of strings, in column order; the column names are stored once per job (see
/// <see cref="Storage.RecordColumns"/>). Values stay the strings they were (detection reports the inferred types;
/// the data is not converted, so "007" reads back as "007").
/// </summary>
public sealed class CsvRowJson(int count)
{
    private char[] _buffer = new char[1024];
    private int _length;

    public int Count { get; } = count;

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
        for (var i = 0; i < Count; i++) Field(i < fields.Count ? fields[i] : "");
        return End().ToString();
    }

    internal void Begin()
    {
        _length = 0;
        Append('[');
    }

    /// <summary>
    /// Appends <c>"value"</c>. Hand-written rather than Utf8JsonWriter: the row is built as UTF-16 for the
    /// database driver anyway, and only quote, backslash and control characters need escaping (a UTF-8 round trip
    /// per row cost the loader most of its time).
    /// </summary>
    internal void Field(ReadOnlySpan<char> value)
    {
        if (_length > 1) Append(',');
        Append('"');
        var rest = value;
        while (true)
        {
            var special = rest.IndexOfAnyInRange('\0', '\u001f');
            var quote = rest.IndexOfAny('"', '\\');
            var at = special < 0 ? quote : quote < 0 ? special : Math.Min(special, quote);
            if (at < 0)
            {
                Append(rest);
                break;
            }
            Append(rest[..at]);
            var c = rest[at];
            switch (c)
            {
                case '"': Append("\\\""); break;
                case '\\': Append("\\\\"); break;
                case '\n': Append("\\n"); break;
                case '\r': Append("\\r"); break;
                case '\t': Append("\\t"); break;
                default: Append($"\\u{(int)c:x4}"); break;
            }
            rest = rest[(at + 1)..];
        }
        Append('"');
    }

    /// <summary>The finished row: valid until the next <see cref="Begin"/>.</summary>
    internal ReadOnlyMemory<char> End()
    {
        Append(']');
        return _buffer.AsMemory(0, _length);
    }

    private void Append(char c)
    {
        if (_length == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
        _buffer[_length++] = c;
    }

    private void Append(ReadOnlySpan<char> text)
    {
        if (_length + text.Length > _buffer.Length) Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + text.Length));
        text.CopyTo(_buffer.AsSpan(_length));
        _length += text.Length;
    }
}
