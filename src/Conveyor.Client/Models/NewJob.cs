using System.Text.Json;

namespace Conveyor.Client;

/// <summary>The body of <c>POST /api/v1/jobs</c>: a job to record (queued) before any work starts.</summary>
public sealed record NewJob
{
    /// <summary>The handler: <c>noop</c>, <c>sleep</c>, <c>fail</c>, <c>csv</c>, <c>json</c>, <c>ndjson</c> or one the server adds.</summary>
    public required string Type { get; init; }
    public string? SourceType { get; init; }
    public string? SourceUri { get; init; }
    public string? FileName { get; init; }
    public long? FileSize { get; init; }
    public string? MimeType { get; init; }
    public string? Mode { get; init; }
    public int? Priority { get; init; }
    /// <summary>A JSON object the handler reads (<c>{"seconds": 5}</c> for <c>sleep</c>).</summary>
    public JsonElement? Metadata { get; init; }
    public string? Dataset { get; init; }
    public int? MaxAttempts { get; init; }
    /// <summary>Run no earlier than this.</summary>
    public DateTimeOffset? ScheduledAt { get; init; }
}
