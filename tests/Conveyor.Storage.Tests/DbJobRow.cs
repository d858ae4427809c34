namespace Conveyor.Storage.Tests;

/// <summary>A <c>jobs</c> row as raw SQL reads it, bypassing the store's own readers.</summary>
public sealed record DbJobRow(
    string Status,
    int Attempt,
    int MaxAttempts,
    DateTimeOffset ScheduledAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? CancelRequestedAt,
    string? LeaseOwner,
    DateTimeOffset? LeaseExpiresAt,
    string? Error,
    long RecordsProcessed,
    long RecordsFailed,
    long? RecordsTotal,
    Guid? RetryOf);
