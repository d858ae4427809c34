using System.Text.Json;

namespace Conveyor.Core.Tests;

/// <summary>The row each transition leaves, column by column, and the event data it records.</summary>
public sealed class JobChangeRowTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Now = T0.AddMinutes(5);
    private static readonly DateTimeOffset LeaseEnd = T0.AddSeconds(30);
    private static readonly DateTimeOffset CancelAsked = T0.AddSeconds(1);

    private static JobState Queued(int attempt = 0, string? error = null) => new()
    {
        Id = Guid.NewGuid(),
        Status = JobStatus.Queued,
        Attempt = attempt,
        MaxAttempts = 3,
        ScheduledAt = T0,
        UpdatedAt = T0,
        Error = error,
        ErrorRef = error is null ? null : "err-1",
    };

    private static JobState Running(int attempt = 1, bool cancelRequested = false, string? error = null) => Queued(attempt, error) with
    {
        Status = JobStatus.Running,
        LeaseOwner = "worker-1",
        LeaseExpiresAt = LeaseEnd,
        CancelRequestedAt = cancelRequested ? CancelAsked : null,
    };

    private static JobChange Plan(JobState state, JobOperation operation, TransitionInput? input = null) =>
        JobChanges.Plan(state, operation, Now, input) ?? throw new InvalidOperationException($"{operation} was not applied");

    private static Dictionary<string, JsonElement> Data(JobChange change) =>
        JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(change.EventData)!;

    public static TheoryData<JobOperation, JobStatus> LeavingTheWorker => new()
    {
        { JobOperation.Succeed, JobStatus.Succeeded },
        { JobOperation.Fail, JobStatus.Queued },
        { JobOperation.AcknowledgeCancel, JobStatus.Cancelled },
        { JobOperation.Rescue, JobStatus.Queued },
        { JobOperation.Release, JobStatus.Queued },
    };

    [Theory]
    [MemberData(nameof(LeavingTheWorker))]
    public void A_job_leaving_its_worker_has_no_lease_owner_or_expiry(JobOperation operation, JobStatus to)
    {
        var running = Running(attempt: 1);
        if (operation == JobOperation.AcknowledgeCancel) running = running with { CancelRequestedAt = CancelAsked };

        var after = Plan(running, operation).After;

        Assert.Equal(to, after.Status);
        Assert.Null(after.LeaseOwner);
        Assert.Null(after.LeaseExpiresAt);
    }

    [Fact]
    public void A_cancel_request_keeps_the_lease_and_its_expiry()
    {
        var after = Plan(Running(), JobOperation.Cancel).After;

        Assert.Equal(("worker-1", (DateTimeOffset?)LeaseEnd), (after.LeaseOwner, after.LeaseExpiresAt));
        Assert.Equal(Now, after.CancelRequestedAt);
    }

    [Theory]
    [InlineData(JobOperation.Succeed)]
    [InlineData(JobOperation.AcknowledgeCancel)]
    public void Finishing_keeps_the_schedule_the_job_ran_on(JobOperation operation)
    {
        var after = Plan(Running(cancelRequested: operation == JobOperation.AcknowledgeCancel), operation).After;

        Assert.Equal(T0, after.ScheduledAt);
        Assert.Equal(Now, after.CompletedAt);
    }

    [Fact]
    public void A_final_failure_keeps_the_schedule_and_stamps_completion()
    {
        var after = Plan(Running(attempt: 3), JobOperation.Fail, new TransitionInput { Error = "Boom." }).After;

        Assert.Equal(JobStatus.Failed, after.Status);
        Assert.Equal(T0, after.ScheduledAt);
        Assert.Equal(Now, after.CompletedAt);
    }

    [Fact]
    public void A_claim_keeps_the_schedule_and_counts_the_attempt()
    {
        var change = Plan(Queued(attempt: 1), JobOperation.Claim);

        Assert.Equal(T0, change.After.ScheduledAt);
        Assert.Equal(2, change.After.Attempt);
        Assert.Equal(2, Data(change)["attempt"].GetInt32());
    }

    [Fact]
    public void A_rescued_job_runs_again_now_without_a_completion_time()
    {
        var after = Plan(Running(), JobOperation.Rescue).After;

        Assert.Equal(JobStatus.Queued, after.Status);
        Assert.Equal(Now, after.ScheduledAt);
        Assert.Null(after.CompletedAt);
    }

    [Fact]
    public void Finishing_keeps_an_earlier_cancel_request_on_the_row()
    {
        Assert.Equal(CancelAsked, Plan(Running(cancelRequested: true), JobOperation.Succeed).After.CancelRequestedAt);
        Assert.Equal(CancelAsked, Plan(Running(cancelRequested: true), JobOperation.AcknowledgeCancel).After.CancelRequestedAt);
        Assert.Equal(CancelAsked, Plan(Running(cancelRequested: true), JobOperation.Fail).After.CancelRequestedAt);
    }

    [Fact]
    public void A_requeued_job_carries_no_cancel_request_into_its_next_run()
    {
        var failed = Running(attempt: 3) with { Status = JobStatus.Failed, LeaseOwner = null, LeaseExpiresAt = null, CancelRequestedAt = CancelAsked, CompletedAt = T0 };

        var after = Plan(failed, JobOperation.Requeue).After;

        Assert.Null(after.CancelRequestedAt);
        Assert.Null(after.CompletedAt);
    }

    [Theory]
    [InlineData(JobOperation.Claim, 1)]
    [InlineData(JobOperation.Succeed, 2)]
    [InlineData(JobOperation.Fail, 2)]
    [InlineData(JobOperation.Release, 1)]
    [InlineData(JobOperation.Cancel, 2)]
    public void Every_event_records_the_attempt_the_job_is_on_after_it(JobOperation operation, int attempt)
    {
        var state = operation == JobOperation.Claim ? Queued() : Running(attempt: 2);

        var change = Plan(state, operation);

        Assert.Equal(attempt, change.After.Attempt);
        Assert.Equal(attempt, Data(change)["attempt"].GetInt32());
    }

    [Fact]
    public void A_reported_failure_is_in_the_event_with_its_reference()
    {
        var data = Data(Plan(Running(), JobOperation.Fail, new TransitionInput { Error = "Row 3 is bad.", ErrorRef = "err-7" }));

        Assert.Equal("Row 3 is bad.", data["error"].GetString());
        Assert.Equal("err-7", data["error_ref"].GetString());
    }

    [Fact]
    public void The_same_failure_reported_again_is_in_the_event_again()
    {
        var data = Data(Plan(Running(attempt: 2, error: "Row 3 is bad."), JobOperation.Fail, new TransitionInput { Error = "Row 3 is bad.", ErrorRef = "err-1" }));

        Assert.Equal("Row 3 is bad.", data["error"].GetString());
    }

    [Fact]
    public void A_final_rescue_records_that_the_worker_was_lost()
    {
        var change = Plan(Running(attempt: 3), JobOperation.Rescue);

        var data = Data(change);
        Assert.Equal(JobEventTypes.Failed, change.EventType);
        Assert.Equal(StatusMachine.WorkerLost, data["error"].GetString());
        Assert.Equal(JsonValueKind.Null, data["error_ref"].ValueKind);
        Assert.False(data.ContainsKey("retry_at"));
    }

    [Fact]
    public void A_claim_of_a_retried_job_repeats_no_earlier_error()
    {
        var change = Plan(Queued(attempt: 1, error: "Row 3 is bad."), JobOperation.Claim);

        Assert.Equal("Row 3 is bad.", change.After.Error); // the row keeps it until the job ends otherwise
        Assert.Equal(["attempt"], Data(change).Keys);
    }

    [Fact]
    public void A_requeue_records_no_error_after_clearing_it()
    {
        var failed = Running(attempt: 3, error: "Row 3 is bad.") with { Status = JobStatus.Failed, LeaseOwner = null, LeaseExpiresAt = null };

        var change = Plan(failed, JobOperation.Requeue);

        Assert.Null(change.After.Error);
        Assert.Equal(["attempt"], Data(change).Keys);
    }

    [Fact]
    public void Only_a_failure_that_retries_records_when_the_retry_runs()
    {
        var retry = Data(Plan(Running(attempt: 1), JobOperation.Fail, new TransitionInput { Error = "Boom.", RetryAt = Now.AddSeconds(30) }));
        var final = Data(Plan(Running(attempt: 3), JobOperation.Fail, new TransitionInput { Error = "Boom." }));
        var rescued = Data(Plan(Running(attempt: 1), JobOperation.Rescue));
        var released = Data(Plan(Running(attempt: 1), JobOperation.Release));

        Assert.Equal("2026-01-05T09:05:30.000Z", retry["retry_at"].GetString());
        Assert.False(final.ContainsKey("retry_at"));
        Assert.Equal(["attempt"], rescued.Keys);
        Assert.Equal(["attempt"], released.Keys);
    }
}
