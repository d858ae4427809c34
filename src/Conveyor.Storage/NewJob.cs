using System.Text.Json;

namespace Conveyor.Storage;

/// <summary>A validated job to insert. <see cref="RequestHash"/> tells repeated idempotent requests apart.</summary>
public sealed record NewJob
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public required string Type { get; init; }
    public string? SourceType { get; init; }
    public string? SourceUri { get; init; }
    public string? FileName { get; init; }
    public long? FileSize { get; init; }
    public string? MimeType { get; init; }
    public string? Mode { get; init; }
    public int Priority { get; init; }
    public JsonElement? Metadata { get; init; }
    public Guid? SessionId { get; init; }
    public string? Dataset { get; init; }
    public int MaxAttempts { get; init; } = Core.JobDefaults.MaxAttempts;
    public DateTimeOffset? ScheduledAt { get; init; }
    public Guid? RetryOf { get; init; }
    public string? IdempotencyKey { get; init; }
    public string? RequestHash { get; init; }
    public string CreatedBy { get; init; } = "system";
    public bool Synthetic { get; init; }

    /// <summary>The W3C <c>traceparent</c> of the request that created the job, so the worker's span continues its trace.</summary>
    public string? TraceParent { get; init; }
}
