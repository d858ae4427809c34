using Conveyor.Core;

namespace Conveyor.Workers.Tests.Infrastructure;

/// <summary>Builds queued jobs for the worker tests.</summary>
public static class AJob
{
    public static readonly DateTimeOffset Epoch = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);

    public static Job Queued(string type = "noop", int attempt = 0, int maxAttempts = JobDefaults.MaxAttempts) => new()
    {
        Id = Guid.NewGuid(),
        Type = type,
        Status = JobStatus.Queued,
        Attempt = attempt,
        MaxAttempts = maxAttempts,
        ScheduledAt = Epoch,
        CreatedAt = Epoch,
        UpdatedAt = Epoch,
    };

    public static Job[] Many(int count, string type = "noop") => [.. Enumerable.Range(0, count).Select(_ => Queued(type))];

    /// <summary>A job as a claim hands it to a worker.</summary>
    public static Job Running(string type = "noop", int attempt = 1) => Queued(type) with { Status = JobStatus.Running, Attempt = attempt, LeaseOwner = "test" };
}
