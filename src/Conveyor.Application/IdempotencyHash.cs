using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Conveyor.Core;

namespace Conveyor.Application;

/// <summary>
/// Tells two bodies sent with the same <c>Idempotency-Key</c> apart: the SHA-256 of the request as parsed, written
/// in the API's own JSON form (snake_case names, every field, times as RFC 3339 UTC to the millisecond), so key
/// order, spacing and escapes in what the client sent do not matter. The bytes are the ones the API wrote before
/// this class existed, so hashes already stored still match.
/// </summary>
public static class IdempotencyHash
{
    private static readonly JsonSerializerOptions Canonical = Create();

    public static string Of(JobCreateRequest request) =>
        Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(request, Canonical)));

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DictionaryKeyPolicy = null,
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        };
        options.Converters.Add(new UtcMilliseconds());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    private sealed class UtcMilliseconds : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            DateTimeOffset.Parse(reader.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
    }
}
