using System.Text.Json;

namespace Conveyor.Core.Tests;

public sealed class JobChangesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Now = T0.AddMinutes(5);

    private static JobState Running(int attempt = 1, int max = 3, bool cancelRequested = false) => new()
    {
        Id = Guid.NewGuid(),
        Status = JobStatus.Running,
        Attempt = attempt,
        MaxAttempts = max,
        CancelRequestedAt = cancelRequested ? T0.AddSeconds(1) : null,
        LeaseOwner = "worker-1",
        LeaseExpiresAt = T0.AddSeconds(30),
        ScheduledAt = T0,
        UpdatedAt = T0,
    };

    private static JobState Failed(int attempt = 3, int max = 3) => Running(attempt, max) with
    {
        Status = JobStatus.Failed,
        LeaseOwner = null,
        LeaseExpiresAt = null,
        CompletedAt = T0.AddSeconds(2),
        Error = "Row 3 is bad.",
        ErrorRef = "err-1",
    };

    [Fact]
    public void A_refused_operation_plans_no_change()
    {
        Assert.Null(JobChanges.Plan(Failed(), JobOperation.Cancel, Now));
        Assert.Throws<ArgumentException>(() => JobChanges.Plan(Failed(), JobOperation.Cancel,
            StatusMachine.Decide(Failed().Snapshot, JobOperation.Cancel), Now, TransitionInput.None));
    }

    [Fact]
    public void Fail_with_attempts_left_queues_the_job_at_its_retry_time_with_the_error()
    {
        var retryAt = Now.AddSeconds(40);

        var change = JobChanges.Plan(Running(), JobOperation.Fail, Now, new TransitionInput { Error = "Boom.", ErrorRef = "err-9", RetryAt = retryAt })!;

        Assert.Equal(JobEventTypes.RetryScheduled, change.EventType);
        Assert.Equal(JobStatus.Queued, change.After.Status);
        Assert.Equal(retryAt, change.After.ScheduledAt);
        Assert.Equal(("Boom.", "err-9"), (change.After.Error, change.After.ErrorRef));
        Assert.Null(change.After.LeaseOwner);
        Assert.Null(change.After.LeaseExpiresAt);
        Assert.Null(change.After.CompletedAt);
        Assert.Equal(1, change.After.Attempt);
        using var data = JsonDocument.Parse(change.EventData);
        Assert.Equal("2026-01-05T09:05:40.000Z", data.RootElement.GetProperty("retry_at").GetString());
        Assert.Equal("Boom.", data.RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public void Rescue_on_the_last_attempt_fails_with_worker_lost()
    {
        var change = JobChanges.Plan(Running(attempt: 3), JobOperation.Rescue, Now)!;

        Assert.Equal(JobStatus.Failed, change.After.Status);
        Assert.Equal(StatusMachine.WorkerLost, change.After.Error);
        Assert.StartsWith("Worker lost", change.After.Error);
        Assert.Equal(Now, change.After.CompletedAt);
    }

    [Fact]
    public void Requeue_clears_the_error_and_runs_now_and_keeps_the_attempt_history()
    {
        var change = JobChanges.Plan(Failed(), JobOperation.Requeue, Now)!;

        Assert.Equal(JobStatus.Queued, change.After.Status);
        Assert.Equal(3, change.After.Attempt);
        Assert.Equal(4, change.After.MaxAttempts);
        Assert.Null(change.After.Error);
        Assert.Null(change.After.ErrorRef);
        Assert.Null(change.After.CompletedAt);
        Assert.Equal(Now, change.After.ScheduledAt);
        Assert.Equal(Now, change.After.UpdatedAt);
    }

    [Fact]
    public void Cancel_of_a_running_job_stamps_the_request_and_keeps_the_lease()
    {
        var change = JobChanges.Plan(Running(), JobOperation.Cancel, Now)!;

        Assert.Equal(Now, change.After.CancelRequestedAt);
        Assert.Equal("worker-1", change.After.LeaseOwner);
        Assert.Equal(JobStatus.Running, change.After.Status);
    }

    [Fact]
    public void Release_refunds_the_attempt_and_clears_a_stale_cancel_request()
    {
        var change = JobChanges.Plan(Running(attempt: 2), JobOperation.Release, Now)!;

        Assert.Equal((JobStatus.Queued, 1), (change.After.Status, change.After.Attempt));
        Assert.Null(change.After.CancelRequestedAt);
        Assert.Null(change.After.LeaseOwner);
    }

    [Fact]
    public void Retry_as_new_keeps_the_original_completed_at_and_error()
    {
        var failed = Failed();

        var change = JobChanges.Plan(failed, JobOperation.RetryAsNew, Now)!;

        Assert.Equal(JobStatus.Failed, change.After.Status);
        Assert.True(change.After.HasRetry);
        Assert.Equal(failed.CompletedAt, change.After.CompletedAt);
        Assert.Equal(failed.Error, change.After.Error);
        Assert.Equal(Now, change.After.UpdatedAt);
    }

    [Fact]
    public void Updated_at_moves_one_microsecond_when_the_clock_stands_still_or_runs_back()
    {
        Assert.Equal(T0 + JobChanges.Tick, JobChanges.Plan(Running(), JobOperation.Succeed, T0)!.After.UpdatedAt);
        Assert.Equal(T0 + JobChanges.Tick, JobChanges.Plan(Running(), JobOperation.Succeed, T0.AddHours(-1))!.After.UpdatedAt);
    }
}
