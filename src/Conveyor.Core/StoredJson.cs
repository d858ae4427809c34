using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Conveyor.Core;

/// <summary>
/// Reads JSON text that is already stored, so that no stored value can fail a read: an escaped lone surrogate
/// (<c>"\ud800"</c>, which parses but cannot be turned into a string or written out again) becomes U+FFFD, and text
/// that does not parse at all becomes a JSON string holding it. The edge refuses such input; this is for rows stored
/// before it did, or by another client of the database.
/// </summary>
public static class StoredJson
{
    private const string Replacement = "\\ufffd";

    /// <summary>The stored text as an element that can always be written out; <paramref name="fallback"/> for empty text.</summary>
    public static JsonElement Parse(string? json, JsonElement fallback)
    {
        if (string.IsNullOrEmpty(json)) return fallback;
        try
        {
            using var document = JsonDocument.Parse(Repair(json));
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            using var document = JsonDocument.Parse(JsonSerializer.Serialize(json));
            return document.RootElement.Clone();
        }
    }

    /// <summary>
    /// <paramref name="json"/> with every escaped surrogate that is not half of a pair replaced by <c>\ufffd</c>;
    /// the same instance when there is none. In JSON text a backslash only ever starts an escape inside a string, so a
    /// scan of the escapes is exact.
    /// </summary>
    public static string Repair(string json) => Repair(json, nul: false);

    /// <summary>
    /// As <see cref="Repair(string)"/>, and a NUL (<c>\u0000</c>, which PostgreSQL's jsonb cannot hold) becomes U+FFFD
    /// too: for JSON the server builds from a client's bytes before storing it (a detection result's sample rows).
    /// </summary>
    public static string Storable(string json) => Repair(json, nul: true);

    private static string Repair(string json, bool nul)
    {
        var at = json.IndexOf('\\');
        if (at < 0) return json;
        StringBuilder? repaired = null;
        var copied = 0;
        var i = at;
        while (i < json.Length - 1)
        {
            if (json[i] != '\\')
            {
                i++;
                continue;
            }
            if (json[i + 1] != 'u' || !TryHex(json, i + 2, out var unit))
            {
                i += 2;
                continue;
            }
            if (char.IsHighSurrogate(unit) && TryHex(json, i + 8, out var low) && json[i + 6] == '\\' && json[i + 7] == 'u' && char.IsLowSurrogate(low))
            {
                i += 12;
                continue;
            }
            if (char.IsSurrogate(unit) || (nul && unit == '\0'))
            {
                repaired ??= new StringBuilder(json.Length);
                repaired.Append(json, copied, i - copied).Append(Replacement);
                copied = i + 6;
            }
            i += 6;
        }
        if (repaired is null) return json;
        return repaired.Append(json, copied, json.Length - copied).ToString();
    }

    private static bool TryHex(string text, int start, out char unit)
    {
        unit = default;
        if (start + 4 > text.Length) return false;
        if (!ushort.TryParse(text.AsSpan(start, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value)) return false;
        unit = (char)value;
        return true;
    }
}
