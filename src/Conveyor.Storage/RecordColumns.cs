using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Conveyor.Storage;

/// <summary>
/// A tabular load stores each row as a JSON array of values and its column names once per job; readers get
/// objects back. Half the bytes of an object per row for a CSV with short values, which is what the load spends
/// its time writing.
/// </summary>
public static class RecordColumns
{
    public static string Serialize(IReadOnlyList<string> columns) => JsonSerializer.Serialize(columns);

    public static IReadOnlyList<string> Deserialize(string json) =>
        JsonSerializer.Deserialize<string[]>(json) ?? throw new InvalidDataException("The stored column list is not a JSON array of names.");

    /// <summary>
    /// The row as stored, when it has no columns or is not an array; else an object of the columns, in order, with
    /// the array's values (missing values are null, extra values are keyed <c>column_N</c>).
    /// </summary>
    public static string ToObject(string data, IReadOnlyList<string>? columns)
    {
        if (columns is null || data.Length == 0 || data[0] != '[') return data;
        using var document = JsonDocument.Parse(Conveyor.Core.StoredJson.Repair(data));
        return ToObject(document.RootElement, columns);
    }

    /// <summary>The same for a row already parsed (an element of a stored chunk of rows).</summary>
    public static string ToObject(JsonElement row, IReadOnlyList<string>? columns)
    {
        if (columns is null || row.ValueKind != JsonValueKind.Array) return row.GetRawText();
        var buffer = new ArrayBufferWriter<byte>(256 + columns.Count * 16);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            var index = 0;
            foreach (var value in row.EnumerateArray())
            {
                writer.WritePropertyName(index < columns.Count ? columns[index] : $"column_{index + 1}");
                value.WriteTo(writer);
                index++;
            }
            for (; index < columns.Count; index++) writer.WriteNull(columns[index]);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
