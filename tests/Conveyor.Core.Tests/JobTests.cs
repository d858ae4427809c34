namespace Conveyor.Core.Tests;

public sealed class JobTests
{
    private static Job AJob(DateTimeOffset? cancelRequestedAt) => new()
    {
        Id = Guid.NewGuid(),
        Type = "noop",
        Status = JobStatus.Running,
        Attempt = 2,
        MaxAttempts = 5,
        CancelRequestedAt = cancelRequestedAt,
        ScheduledAt = DateTimeOffset.UnixEpoch,
        CreatedAt = DateTimeOffset.UnixEpoch,
        UpdatedAt = DateTimeOffset.UnixEpoch,
    };

    [Fact]
    public void A_job_snapshot_is_what_the_status_machine_decides_on()
    {
        Assert.Equal(new JobSnapshot(JobStatus.Running, 2, 5, CancelRequested: false), AJob(null).Snapshot());
        Assert.Equal(new JobSnapshot(JobStatus.Running, 2, 5, CancelRequested: true, HasRetry: true),
            AJob(DateTimeOffset.UnixEpoch).Snapshot(hasRetry: true));
    }

    [Fact]
    public void A_running_job_with_a_cancel_request_is_not_asked_to_cancel_again()
    {
        Assert.Equal(TransitionKind.NoOp, StatusMachine.Decide(AJob(DateTimeOffset.UnixEpoch).Snapshot(), JobOperation.Cancel).Kind);
        Assert.Equal(TransitionKind.Applied, StatusMachine.Decide(AJob(null).Snapshot(), JobOperation.Cancel).Kind);
    }
}
