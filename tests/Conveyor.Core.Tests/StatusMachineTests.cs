using static Conveyor.Core.JobOperation;
using static Conveyor.Core.TransitionKind;

namespace Conveyor.Core.Tests;

/// <summary>SPEC §2's status table, row by row: every operation against every kind of job.</summary>
public sealed class StatusMachineTests
{
    /// <summary>The kinds of job the table distinguishes.</summary>
    public enum Given
    {
        Queued,
        Running,
        RunningCancelRequested,
        RunningLastAttempt,
        RunningLastAttemptCancelRequested,
        Succeeded,
        Failed,
        FailedAlreadyRetriedAsNew,
        Cancelled,
    }

    private static JobSnapshot Snapshot(Given given) => given switch
    {
        Given.Queued => new(JobStatus.Queued, 0, 3, false),
        Given.Running => new(JobStatus.Running, 1, 3, false),
        Given.RunningCancelRequested => new(JobStatus.Running, 1, 3, true),
        Given.RunningLastAttempt => new(JobStatus.Running, 3, 3, false),
        Given.RunningLastAttemptCancelRequested => new(JobStatus.Running, 3, 3, true),
        Given.Succeeded => new(JobStatus.Succeeded, 1, 3, false),
        Given.Failed => new(JobStatus.Failed, 3, 3, false),
        Given.FailedAlreadyRetriedAsNew => new(JobStatus.Failed, 3, 3, false, HasRetry: true),
        Given.Cancelled => new(JobStatus.Cancelled, 0, 3, false),
        _ => throw new ArgumentOutOfRangeException(nameof(given)),
    };

    private const string CancelRefused = "Only queued or running jobs can be cancelled.";
    private const string RetryRefused = "Only failed jobs can be retried.";
    private const string NotQueued = StatusMachine.NotQueued;
    private const string NotRunning = StatusMachine.NotRunning;

    private const JobStatus Q = JobStatus.Queued, R = JobStatus.Running, S = JobStatus.Succeeded, F = JobStatus.Failed, C = JobStatus.Cancelled;

    /// <summary>given, operation → kind, status after, event appended (only when applied), reason (when refused or failed by the machine).</summary>
    public static TheoryData<Given, JobOperation, TransitionKind, JobStatus, string?, string?> Table => new()
    {
        // cancel: queued → cancelled; running → cancel requested; repeated → unchanged; finished → 409.
        { Given.Queued, Cancel, Applied, C, "cancelled", null },
        { Given.Running, Cancel, Applied, R, "cancel_requested", null },
        { Given.RunningCancelRequested, Cancel, NoOp, R, null, null },
        { Given.RunningLastAttempt, Cancel, Applied, R, "cancel_requested", null },
        { Given.RunningLastAttemptCancelRequested, Cancel, NoOp, R, null, null },
        { Given.Succeeded, Cancel, Rejected, S, null, CancelRefused },
        { Given.Failed, Cancel, Rejected, F, null, CancelRefused },
        { Given.FailedAlreadyRetriedAsNew, Cancel, Rejected, F, null, CancelRefused },
        { Given.Cancelled, Cancel, NoOp, C, null, null },

        // requeue (retry in place): failed → queued; queued/running → unchanged; succeeded/cancelled → 409.
        { Given.Queued, Requeue, NoOp, Q, null, null },
        { Given.Running, Requeue, NoOp, R, null, null },
        { Given.RunningCancelRequested, Requeue, NoOp, R, null, null },
        { Given.RunningLastAttempt, Requeue, NoOp, R, null, null },
        { Given.RunningLastAttemptCancelRequested, Requeue, NoOp, R, null, null },
        { Given.Succeeded, Requeue, Rejected, S, null, RetryRefused },
        { Given.Failed, Requeue, Applied, Q, "requeued", null },
        { Given.FailedAlreadyRetriedAsNew, Requeue, Applied, Q, "requeued", null },
        { Given.Cancelled, Requeue, Rejected, C, null, RetryRefused },

        // retry-as-new: only from failed, once; the original stays failed.
        { Given.Queued, RetryAsNew, Rejected, Q, null, RetryRefused },
        { Given.Running, RetryAsNew, Rejected, R, null, RetryRefused },
        { Given.RunningCancelRequested, RetryAsNew, Rejected, R, null, RetryRefused },
        { Given.RunningLastAttempt, RetryAsNew, Rejected, R, null, RetryRefused },
        { Given.RunningLastAttemptCancelRequested, RetryAsNew, Rejected, R, null, RetryRefused },
        { Given.Succeeded, RetryAsNew, Rejected, S, null, RetryRefused },
        { Given.Failed, RetryAsNew, Applied, F, "retried_as_new", null },
        { Given.FailedAlreadyRetriedAsNew, RetryAsNew, NoOp, F, null, null },
        { Given.Cancelled, RetryAsNew, Rejected, C, null, RetryRefused },

        // claim: only queued jobs.
        { Given.Queued, Claim, Applied, R, "started", null },
        { Given.Running, Claim, Rejected, R, null, NotQueued },
        { Given.RunningCancelRequested, Claim, Rejected, R, null, NotQueued },
        { Given.RunningLastAttempt, Claim, Rejected, R, null, NotQueued },
        { Given.RunningLastAttemptCancelRequested, Claim, Rejected, R, null, NotQueued },
        { Given.Succeeded, Claim, Rejected, S, null, NotQueued },
        { Given.Failed, Claim, Rejected, F, null, NotQueued },
        { Given.FailedAlreadyRetriedAsNew, Claim, Rejected, F, null, NotQueued },
        { Given.Cancelled, Claim, Rejected, C, null, NotQueued },

        // succeed: a running job succeeds, even when its cancel came too late.
        { Given.Queued, Succeed, Rejected, Q, null, NotRunning },
        { Given.Running, Succeed, Applied, S, "succeeded", null },
        { Given.RunningCancelRequested, Succeed, Applied, S, "succeeded", null },
        { Given.RunningLastAttempt, Succeed, Applied, S, "succeeded", null },
        { Given.RunningLastAttemptCancelRequested, Succeed, Applied, S, "succeeded", null },
        { Given.Succeeded, Succeed, Rejected, S, null, NotRunning },
        { Given.Failed, Succeed, Rejected, F, null, NotRunning },
        { Given.FailedAlreadyRetriedAsNew, Succeed, Rejected, F, null, NotRunning },
        { Given.Cancelled, Succeed, Rejected, C, null, NotRunning },

        // fail: back to the queue while attempts remain, failed on the last, cancelled when asked to stop.
        { Given.Queued, Fail, Rejected, Q, null, NotRunning },
        { Given.Running, Fail, Applied, Q, "retry_scheduled", null },
        { Given.RunningCancelRequested, Fail, Applied, C, "cancelled", null },
        { Given.RunningLastAttempt, Fail, Applied, F, "failed", null },
        { Given.RunningLastAttemptCancelRequested, Fail, Applied, C, "cancelled", null },
        { Given.Succeeded, Fail, Rejected, S, null, NotRunning },
        { Given.Failed, Fail, Rejected, F, null, NotRunning },
        { Given.FailedAlreadyRetriedAsNew, Fail, Rejected, F, null, NotRunning },
        { Given.Cancelled, Fail, Rejected, C, null, NotRunning },

        // discard: a failure no retry can fix fails at once, attempts left or not; a requested cancel still wins.
        { Given.Queued, Discard, Rejected, Q, null, NotRunning },
        { Given.Running, Discard, Applied, F, "failed", null },
        { Given.RunningCancelRequested, Discard, Applied, C, "cancelled", null },
        { Given.RunningLastAttempt, Discard, Applied, F, "failed", null },
        { Given.RunningLastAttemptCancelRequested, Discard, Applied, C, "cancelled", null },
        { Given.Succeeded, Discard, Rejected, S, null, NotRunning },
        { Given.Failed, Discard, Rejected, F, null, NotRunning },
        { Given.FailedAlreadyRetriedAsNew, Discard, Rejected, F, null, NotRunning },
        { Given.Cancelled, Discard, Rejected, C, null, NotRunning },

        // acknowledge cancel: the handler stopped.
        { Given.Queued, AcknowledgeCancel, Rejected, Q, null, NotRunning },
        { Given.Running, AcknowledgeCancel, Applied, C, "cancelled", null },
        { Given.RunningCancelRequested, AcknowledgeCancel, Applied, C, "cancelled", null },
        { Given.RunningLastAttempt, AcknowledgeCancel, Applied, C, "cancelled", null },
        { Given.RunningLastAttemptCancelRequested, AcknowledgeCancel, Applied, C, "cancelled", null },
        { Given.Succeeded, AcknowledgeCancel, Rejected, S, null, NotRunning },
        { Given.Failed, AcknowledgeCancel, Rejected, F, null, NotRunning },
        { Given.FailedAlreadyRetriedAsNew, AcknowledgeCancel, Rejected, F, null, NotRunning },
        { Given.Cancelled, AcknowledgeCancel, Rejected, C, null, NotRunning },

        // rescue (lease expired): re-queue while attempts remain, else "worker lost"; a cancel-requested job is cancelled.
        { Given.Queued, Rescue, Rejected, Q, null, NotRunning },
        { Given.Running, Rescue, Applied, Q, "rescued", null },
        { Given.RunningCancelRequested, Rescue, Applied, C, "cancelled", null },
        { Given.RunningLastAttempt, Rescue, Applied, F, "failed", StatusMachine.WorkerLost },
        { Given.RunningLastAttemptCancelRequested, Rescue, Applied, C, "cancelled", null },
        { Given.Succeeded, Rescue, Rejected, S, null, NotRunning },
        { Given.Failed, Rescue, Rejected, F, null, NotRunning },
        { Given.FailedAlreadyRetriedAsNew, Rescue, Rejected, F, null, NotRunning },
        { Given.Cancelled, Rescue, Rejected, C, null, NotRunning },

        // release (graceful shutdown): back to the queue, even on the last attempt; a cancel-requested job is cancelled.
        { Given.Queued, Release, Rejected, Q, null, NotRunning },
        { Given.Running, Release, Applied, Q, "released", null },
        { Given.RunningCancelRequested, Release, Applied, C, "cancelled", null },
        { Given.RunningLastAttempt, Release, Applied, Q, "released", null },
        { Given.RunningLastAttemptCancelRequested, Release, Applied, C, "cancelled", null },
        { Given.Succeeded, Release, Rejected, S, null, NotRunning },
        { Given.Failed, Release, Rejected, F, null, NotRunning },
        { Given.FailedAlreadyRetriedAsNew, Release, Rejected, F, null, NotRunning },
        { Given.Cancelled, Release, Rejected, C, null, NotRunning },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Decide_follows_the_status_table(Given given, JobOperation operation, TransitionKind kind, JobStatus to, string? eventType, string? reason)
    {
        var snapshot = Snapshot(given);

        var result = StatusMachine.Decide(snapshot, operation);

        Assert.Equal(kind, result.Kind);
        Assert.Equal(snapshot.Status, result.From);
        Assert.Equal(to, result.To);
        Assert.Equal(eventType, result.EventType);
        Assert.Equal(reason, result.Reason);
    }

    [Fact]
    public void The_table_covers_every_operation_on_every_kind_of_job_once()
    {
        var rows = Table.Select(row => ((Given)row[0], (JobOperation)row[1])).ToList();
        var expected = Enum.GetValues<Given>().SelectMany(g => Enum.GetValues<JobOperation>().Select(o => (g, o))).ToList();

        Assert.Equal(expected.Count, rows.Count);
        Assert.Equal(expected.OrderBy(p => p.ToString()), rows.OrderBy(p => p.ToString()));
        Assert.Equal(Enum.GetValues<JobStatus>().Order(), Enum.GetValues<Given>().Select(g => Snapshot(g).Status).Distinct().Order());
    }

    [Fact]
    public void The_refusal_messages_are_the_ones_the_409_problems_show()
    {
        Assert.Equal("Only queued or running jobs can be cancelled.", StatusMachine.Decide(Snapshot(Given.Succeeded), Cancel).Reason);
        Assert.Equal("Only queued or running jobs can be cancelled.", StatusMachine.Decide(Snapshot(Given.Failed), Cancel).Reason);
        Assert.Equal("Only failed jobs can be retried.", StatusMachine.Decide(Snapshot(Given.Succeeded), Requeue).Reason);
        Assert.Equal("Only failed jobs can be retried.", StatusMachine.Decide(Snapshot(Given.Cancelled), Requeue).Reason);
        Assert.Equal("Only failed jobs can be retried.", StatusMachine.Decide(Snapshot(Given.Queued), RetryAsNew).Reason);
    }

    [Fact]
    public void Cancel_of_a_running_job_asks_the_worker_to_stop_and_keeps_its_lease()
    {
        var result = StatusMachine.Decide(Snapshot(Given.Running), Cancel);

        Assert.True(result.RequestsCancel);
        Assert.False(result.ClearsLease);
        Assert.False(result.IsTerminal);
    }

    [Theory]
    [InlineData(Succeed)]
    [InlineData(Fail)]
    [InlineData(Discard)]
    [InlineData(AcknowledgeCancel)]
    [InlineData(Rescue)]
    [InlineData(Release)]
    public void Every_way_out_of_running_clears_the_lease(JobOperation operation)
    {
        Assert.True(StatusMachine.Decide(Snapshot(Given.Running), operation).ClearsLease);
        Assert.True(StatusMachine.Decide(Snapshot(Given.RunningLastAttemptCancelRequested), operation).ClearsLease);
    }

    [Fact]
    public void Requeue_of_a_failed_job_with_no_attempts_left_grants_one_more()
    {
        var result = StatusMachine.Decide(Snapshot(Given.Failed), Requeue);
        var after = StatusMachine.Apply(Snapshot(Given.Failed), Requeue, result);

        Assert.True(result.GrantsAttempt);
        Assert.Equal(new JobSnapshot(JobStatus.Queued, 3, 4, false), after);
    }

    [Fact]
    public void Requeue_of_a_failed_job_with_attempts_left_keeps_its_limit()
    {
        var failedEarly = new JobSnapshot(JobStatus.Failed, 1, 3, false);

        var result = StatusMachine.Decide(failedEarly, Requeue);

        Assert.False(result.GrantsAttempt);
        Assert.Equal(new JobSnapshot(JobStatus.Queued, 1, 3, false), StatusMachine.Apply(failedEarly, Requeue, result));
    }

    [Fact]
    public void Claim_uses_one_attempt_and_release_gives_it_back()
    {
        var queued = Snapshot(Given.Queued);
        var running = StatusMachine.Apply(queued, Claim, StatusMachine.Decide(queued, Claim));
        var release = StatusMachine.Decide(running, Release);
        var released = StatusMachine.Apply(running, Release, release);

        Assert.Equal(new JobSnapshot(JobStatus.Running, 1, 3, false), running);
        Assert.True(release.RefundsAttempt);
        Assert.Equal(new JobSnapshot(JobStatus.Queued, 0, 3, false), released);
    }

    [Fact]
    public void Retry_as_new_marks_the_original_so_a_second_retry_changes_nothing()
    {
        var failed = Snapshot(Given.Failed);

        var first = StatusMachine.Apply(failed, RetryAsNew, StatusMachine.Decide(failed, RetryAsNew));

        Assert.True(first.HasRetry);
        Assert.Equal(JobStatus.Failed, first.Status);
        Assert.Equal(NoOp, StatusMachine.Decide(first, RetryAsNew).Kind);
    }

    [Fact]
    public void A_refused_or_unchanged_operation_leaves_the_snapshot_as_it_was()
    {
        var succeeded = Snapshot(Given.Succeeded);
        var cancelled = Snapshot(Given.Cancelled);

        Assert.Equal(succeeded, StatusMachine.Apply(succeeded, Cancel, StatusMachine.Decide(succeeded, Cancel)));
        Assert.Equal(cancelled, StatusMachine.Apply(cancelled, Cancel, StatusMachine.Decide(cancelled, Cancel)));
    }
}
