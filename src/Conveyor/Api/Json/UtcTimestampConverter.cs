using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Conveyor.Api.Json;

/// <summary>Writes RFC 3339 UTC with milliseconds (<c>2026-03-01T12:00:00.123Z</c>); reads RFC 3339 with an offset.</summary>
public sealed class UtcTimestampConverter : JsonConverter<DateTimeOffset>
{
    public const string Format = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String
            && DateTimeOffset.TryParseExact(reader.GetString(), ["yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mm:ssK"],
                CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value)
            && reader.GetString()!.Length >= 20)
        {
            return value.ToUniversalTime();
        }
        throw new JsonException("Expected an RFC 3339 timestamp with an offset, such as 2026-03-01T12:00:00Z.");
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture));
}
