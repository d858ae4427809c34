using System.Text.Json;
using System.Text.Json.Serialization;

namespace Conveyor.Client;

/// <summary>The API's JSON conventions: snake_case names, enum values as lowercase words.</summary>
public static class ClientJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };
}
