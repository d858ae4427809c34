using System.Text.Json;
using System.Text.Json.Serialization;

namespace Conveyor.Ingestion.Detection;

/// <summary>What content detection found in a file: served at <c>GET /api/v1/jobs/{id}/detection</c>.</summary>
public sealed record DetectionResult
{
    /// <summary><c>csv</c>, <c>json</c>, <c>ndjson</c>, <c>webvtt</c>, <c>srt</c>, <c>text</c> or <c>audio</c>.</summary>
    public required string Type { get; init; }
    public required string MimeType { get; init; }
    public required bool Gzip { get; init; }
    public required string? Encoding { get; init; }
    public required bool Bom { get; init; }
    public required string? Delimiter { get; init; }
    public required string? Quote { get; init; }
    public required bool? HasHeader { get; init; }
    public required IReadOnlyList<DetectedColumn> Columns { get; init; }
    /// <summary>0 to 1: how consistently the sample fits what was detected.</summary>
    public required double Confidence { get; init; }
    public required IReadOnlyList<JsonElement> SampleRows { get; init; }

    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>
    /// The result as stored: sample rows come from the client's bytes, so a NUL or a lone surrogate in them becomes
    /// U+FFFD (jsonb cannot hold the one, no writer can write the other), and rows that cannot be written at all are left out.
    /// </summary>
    public string ToJson()
    {
        string json;
        try
        {
            json = JsonSerializer.Serialize(this, JsonOptions);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException)
        {
            json = JsonSerializer.Serialize(this with { SampleRows = [] }, JsonOptions);
        }
        return Conveyor.Core.StoredJson.Storable(json);
    }

    public static DetectionResult? FromJson(string json) => JsonSerializer.Deserialize<DetectionResult>(json, JsonOptions);
}
