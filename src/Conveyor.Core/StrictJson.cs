using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Conveyor.Core;

/// <summary>
/// The one check every JSON the API takes in goes through (request bodies and JSON form fields) before it is
/// deserialized: valid UTF-8, well-formed, at most <see cref="MaxDepth"/> levels deep, no property name twice in an
/// object, and no string (value or name) holding a lone surrogate (<c>"\ud800"</c>) or a NUL. System.Text.Json lets a
/// lone surrogate and invalid UTF-8 through into a <see cref="JsonElement"/> and only fails when the value is written
/// out again, which turned a stored job into a 500 for everyone who listed it; PostgreSQL cannot store a NUL.
/// </summary>
public static class StrictJson
{
    public const int MaxDepth = 64;

    /// <summary>What is wrong with the JSON and at which field (<c>$</c> for the whole), or null when it may be read.</summary>
    public static (string Field, string Message)? Check(ReadOnlySpan<byte> utf8)
    {
        if (!Utf8.IsValid(utf8)) return ("$", "The body is not valid UTF-8.");
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions
        {
            // One more than ours, so that our own check (with its message) fires first.
            MaxDepth = MaxDepth + 1,
            AllowTrailingCommas = false,
            CommentHandling = JsonCommentHandling.Disallow,
        });
        var frames = new List<Frame>();
        try
        {
            while (reader.Read())
            {
                var frame = frames.Count > 0 ? frames[^1] : null;
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                    case JsonTokenType.StartArray:
                        if (frames.Count >= MaxDepth) return (Path(frames), $"The JSON is nested deeper than {MaxDepth} levels.");
                        frame?.Value();
                        frames.Add(new Frame(reader.TokenType == JsonTokenType.StartObject));
                        break;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        frames.RemoveAt(frames.Count - 1);
                        break;
                    case JsonTokenType.PropertyName:
                        if (!TryText(ref reader, out var name)) return (Path(frames, "?"), "A field name holds an unpaired surrogate (\\ud800-\\udfff).");
                        if (!frame!.Names.Add(name)) return (Path(frames, name), "The field is given more than once.");
                        frame.Name = name;
                        if (name.Contains('\0')) return (Path(frames), "A field name cannot contain NUL characters (\\u0000).");
                        break;
                    default:
                        frame?.Value();
                        if (reader.TokenType != JsonTokenType.String) break;
                        if (!TryText(ref reader, out var text)) return (Path(frames), "The text holds an unpaired surrogate (\\ud800-\\udfff).");
                        if (text.Contains('\0')) return (Path(frames), "The text cannot contain NUL characters (\\u0000).");
                        break;
                }
            }
        }
        catch (JsonException)
        {
            return ("$", "The body is not well-formed JSON.");
        }
        return null;
    }

    /// <summary>
    /// The check a loaded row gets (NDJSON line, JSON array element), cheap enough for millions of rows: valid UTF-8 and
    /// no escaped lone surrogate, which would store a row that can never be read back. Null when the row may be stored.
    /// The row is known to be well-formed JSON already.
    /// </summary>
    public static string? CheckRow(ReadOnlySpan<byte> utf8)
    {
        if (!Utf8.IsValid(utf8)) return "The row is not valid UTF-8.";
        // Only an escape can spell a surrogate in valid UTF-8: no backslash, nothing to look at.
        if (utf8.IndexOf((byte)'\\') < 0) return null;
        var reader = new Utf8JsonReader(utf8);
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped && !TryText(ref reader, out _))
                    return "The row holds an unpaired surrogate (\\ud800-\\udfff).";
            }
        }
        catch (JsonException)
        {
            return "The row is not well-formed JSON.";
        }
        return null;
    }

    /// <summary>The JSON in a form field: the same check, then an object, parsed.</summary>
    public static (JsonElement? Value, string? Error) ParseObject(ReadOnlySpan<byte> utf8)
    {
        if (Check(utf8) is { } problem) return (null, problem.Field == "$" ? problem.Message : $"{problem.Field}: {problem.Message}");
        using var document = JsonDocument.Parse(utf8.ToArray());
        return document.RootElement.ValueKind == JsonValueKind.Object ? (document.RootElement.Clone(), null) : (null, "Must be a JSON object.");
    }

    /// <summary>Only escaped text can hold a lone surrogate (the bytes are valid UTF-8); unescaping it then throws.</summary>
    private static bool TryText(ref Utf8JsonReader reader, out string text)
    {
        try
        {
            text = reader.GetString()!;
            return true;
        }
        catch (InvalidOperationException)
        {
            text = "";
            return false;
        }
    }

    private static string Path(List<Frame> frames, string? last = null)
    {
        var path = new StringBuilder();
        for (var i = 0; i < frames.Count; i++)
        {
            var f = frames[i];
            // The innermost object's current name is the field in question only when asked for (a value inside it).
            var name = i == frames.Count - 1 && last is not null ? last : f.Name;
            if (f.IsObject && name is not null) path.Append(path.Length > 0 ? "." : "").Append(name);
            else if (!f.IsObject && f.Index >= 0) path.Append('[').Append(f.Index).Append(']');
        }
        return path.Length == 0 ? "$" : path.ToString();
    }

    private sealed class Frame(bool isObject)
    {
        public bool IsObject { get; } = isObject;
        public HashSet<string> Names { get; } = new(StringComparer.Ordinal);
        public string? Name { get; set; }
        public int Index { get; private set; } = -1;

        public void Value()
        {
            if (!IsObject) Index++;
        }
    }
}
