using System.Text.Json;
using Conveyor.Core;
using System.Text.Json.Serialization;

namespace Conveyor.Api.Json;

/// <summary>
/// SPEC §7's JSON conventions in one place: snake_case names, lowercase enum words, RFC 3339 UTC timestamps
/// with milliseconds, <c>null</c> rather than a missing field, and strict reading (no numbers from strings, no
/// unknown or repeated fields).
/// </summary>
public static class ConveyorJson
{
    public static void Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.DictionaryKeyPolicy = null;
        options.PropertyNameCaseInsensitive = false;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        options.NumberHandling = JsonNumberHandling.Strict;
        options.AllowTrailingCommas = false;
        options.ReadCommentHandling = JsonCommentHandling.Disallow;
        // Every request body is strict: a field no request type has, or a field given twice, is a 400, never ignored
        // ({"name":"ci","role":"admin","expiresAt":"…"} made a key that never expires).
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.AllowDuplicateProperties = false;
        options.MaxDepth = StrictJson.MaxDepth;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
        options.Converters.Add(new UtcTimestampConverter());
        options.Converters.Add(new NullableUtcTimestampConverter());
    }

    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        Configure(options);
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
