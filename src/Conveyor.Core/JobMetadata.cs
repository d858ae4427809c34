using System.Text.Json;

namespace Conveyor.Core;

/// <summary>Helpers for a job's free-form <c>metadata</c> object.</summary>
public static class JobMetadata
{
    public static JsonElement Empty { get; } = JsonDocument.Parse("{}").RootElement.Clone();

    /// <summary>A stored object; never fails, whatever is stored (see <see cref="StoredJson"/>).</summary>
    public static JsonElement Parse(string? json) => StoredJson.Parse(json, Empty);

    public static string ToJson(JsonElement element) =>
        element.ValueKind == JsonValueKind.Undefined ? "{}" : element.GetRawText();

    public static bool TryGetDouble(JsonElement metadata, string name, out double value)
    {
        value = 0;
        return metadata.ValueKind == JsonValueKind.Object
            && metadata.TryGetProperty(name, out var property)
            && property.ValueKind == JsonValueKind.Number
            && property.TryGetDouble(out value);
    }

    public static string? GetString(JsonElement metadata, string name) =>
        metadata.ValueKind == JsonValueKind.Object
        && metadata.TryGetProperty(name, out var property)
        && property.ValueKind == JsonValueKind.String
            ? property.GetString()
            : null;
}
