using System.Text.Json;

namespace Conveyor.Client;

/// <summary>A job as <c>GET /api/v1/jobs/{id}</c> returns it.</summary>
public sealed record Job
{
    public required Guid Id { get; init; }
    public required string Type { get; init; }
    public string? SourceType { get; init; }
    public string? SourceUri { get; init; }
    public string? FileName { get; init; }
    public long? FileSize { get; init; }
    public string? MimeType { get; init; }
    public string? Mode { get; init; }
    public int Priority { get; init; }
    public JsonElement Metadata { get; init; }
    public Guid? SessionId { get; init; }
    public string? Dataset { get; init; }
    public required JobStatus Status { get; init; }
    public int Attempt { get; init; }
    public int MaxAttempts { get; init; }
    public DateTimeOffset? ScheduledAt { get; init; }
    public DateTimeOffset? SubmittedAt { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public long RecordsProcessed { get; init; }
    public long RecordsFailed { get; init; }
    public long? RecordsTotal { get; init; }
    /// <summary>A safe message: no stack trace, path, SQL or secret.</summary>
    public string? Error { get; init; }
    /// <summary>Finds the full detail of <see cref="Error"/> in the server log.</summary>
    public string? ErrorRef { get; init; }
    public DateTimeOffset? CancelRequestedAt { get; init; }
    public string? LeaseOwner { get; init; }
    public DateTimeOffset? LeaseExpiresAt { get; init; }
    public Guid? RetryOf { get; init; }
    public Guid? RetriedBy { get; init; }
    public string? CreatedBy { get; init; }
    public bool Synthetic { get; init; }
    public IReadOnlyDictionary<string, Link> Links { get; init; } = new Dictionary<string, Link>();
}
