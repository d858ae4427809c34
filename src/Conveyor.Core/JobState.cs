namespace Conveyor.Core;

/// <summary>The columns of a job that a status change can move, as loaded under a row lock.</summary>
public sealed record JobState
{
    public required Guid Id { get; init; }
    public required JobStatus Status { get; init; }
    public int Attempt { get; init; }
    public int MaxAttempts { get; init; }
    public DateTimeOffset? CancelRequestedAt { get; init; }
    public string? LeaseOwner { get; init; }
    public DateTimeOffset? LeaseExpiresAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }
    public required DateTimeOffset ScheduledAt { get; init; }
    public string? Error { get; init; }
    public string? ErrorRef { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
    public bool HasRetry { get; init; }

    public JobSnapshot Snapshot => new(Status, Attempt, MaxAttempts, CancelRequestedAt is not null, HasRetry);
}
