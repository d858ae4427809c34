namespace Conveyor.Core.Tests;

/// <summary>A valid start state and the operations applied to it.</summary>
public sealed record Walk(JobSnapshot Start, Step[] Steps)
{
    private static readonly DateTimeOffset Origin = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);

    public JobState StartState() => new()
    {
        Id = Guid.Empty,
        Status = Start.Status,
        Attempt = Start.Attempt,
        MaxAttempts = Start.MaxAttempts,
        CancelRequestedAt = Start.CancelRequested ? Origin : null,
        LeaseOwner = Start.Status == JobStatus.Running ? "worker-1" : null,
        LeaseExpiresAt = Start.Status == JobStatus.Running ? Origin.AddSeconds(30) : null,
        CompletedAt = Start.Status is JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled ? Origin : null,
        ScheduledAt = Origin,
        UpdatedAt = Origin,
        HasRetry = Start.HasRetry,
    };

    public override string ToString() => $"{Start} then [{string.Join(", ", Steps.Select(s => s.ToString()))}]";
}
