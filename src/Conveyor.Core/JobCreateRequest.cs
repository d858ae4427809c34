using System.Text.Json;
using System.Text.Json.Serialization;

namespace Conveyor.Core;

/// <summary>The body of <c>POST /api/v1/jobs</c> (seed 004's JobCreateRequest). Unknown fields are refused.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record JobCreateRequest
{
    public string? Type { get; init; }
    public string? SourceType { get; init; }
    public string? SourceUri { get; init; }
    public string? FileName { get; init; }
    public long? FileSize { get; init; }
    public string? MimeType { get; init; }
    public string? Mode { get; init; }
    public int? Priority { get; init; }
    public JsonElement? Metadata { get; init; }
    public string? Dataset { get; init; }
    public int? MaxAttempts { get; init; }
    public DateTimeOffset? ScheduledAt { get; init; }
}
