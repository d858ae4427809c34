using FsCheck;
using FsCheck.Xunit;

namespace Conveyor.Core.Tests;

/// <summary>Random walks through the status machine from random valid states: nothing illegal is ever reached.</summary>
[Properties(Arbitrary = new[] { typeof(JobWalks) }, MaxTest = 500)]
public sealed class StatusMachinePropertyTests
{
    private static readonly HashSet<string> EventTypes =
    [
        JobEventTypes.Started, JobEventTypes.Succeeded, JobEventTypes.Failed, JobEventTypes.RetryScheduled,
        JobEventTypes.CancelRequested, JobEventTypes.Cancelled, JobEventTypes.Requeued, JobEventTypes.RetriedAsNew,
        JobEventTypes.Rescued, JobEventTypes.Released,
    ];

    [Property]
    public void A_walk_never_reaches_an_illegal_state(Walk walk)
    {
        var job = walk.Start;
        foreach (var step in walk.Steps)
        {
            var result = StatusMachine.Decide(job, step.Operation);
            var next = StatusMachine.Apply(job, step.Operation, result);

            Assert.True(Enum.IsDefined(next.Status), $"{next.Status} is not one of the five statuses");
            Assert.InRange(next.Attempt, 0, int.MaxValue);
            Assert.InRange(next.MaxAttempts, 1, int.MaxValue);
            if (next.Status == JobStatus.Queued) Assert.True(next.Attempt < next.MaxAttempts, $"queued with attempt {next.Attempt} of {next.MaxAttempts}");
            if (next.Status == JobStatus.Running) Assert.True(next.Attempt <= next.MaxAttempts, $"running attempt {next.Attempt} of {next.MaxAttempts}");
            if (next.Status == JobStatus.Running) Assert.InRange(next.Attempt, 1, int.MaxValue);
            if (next.Status == JobStatus.Queued) Assert.False(next.CancelRequested, "a queued job carries a cancel request");
            if (IsTerminal(job.Status) && next.Status != job.Status)
                Assert.True(step.Operation == JobOperation.Requeue, $"{job.Status} left by {step.Operation}");
            job = next;
        }
    }

    [Property]
    public void An_applied_transition_names_exactly_one_event_and_anything_else_names_none(Walk walk)
    {
        var job = walk.Start;
        foreach (var step in walk.Steps)
        {
            var result = StatusMachine.Decide(job, step.Operation);
            var next = StatusMachine.Apply(job, step.Operation, result);

            Assert.Equal(job.Status, result.From);
            if (result.IsApplied)
            {
                Assert.NotNull(result.EventType);
                Assert.Contains(result.EventType, EventTypes);
                Assert.Equal(result.To, next.Status);
            }
            else
            {
                Assert.Null(result.EventType);
                Assert.Equal(job.Status, result.To);
                Assert.Equal(job, next);
                Assert.False(result.RequestsCancel || result.ClearsLease || result.GrantsAttempt || result.RefundsAttempt);
            }
            if (result.Kind == TransitionKind.Rejected) Assert.False(string.IsNullOrEmpty(result.Reason));
            job = next;
        }
    }

    [Property]
    public void Planned_rows_agree_with_the_status_machine(Walk walk)
    {
        var state = walk.StartState();
        var job = walk.Start;
        foreach (var step in walk.Steps)
        {
            var result = StatusMachine.Decide(job, step.Operation);
            var change = JobChanges.Plan(state, step.Operation, state.UpdatedAt.AddSeconds(1));
            job = StatusMachine.Apply(job, step.Operation, result);

            if (!result.IsApplied)
            {
                Assert.Null(change);
                continue;
            }
            Assert.NotNull(change);
            Assert.Same(state, change.Before);
            Assert.Equal(result.EventType, change.EventType);
            var after = change.After.Snapshot;
            Assert.Equal((job.Status, job.Attempt, job.MaxAttempts, job.HasRetry), (after.Status, after.Attempt, after.MaxAttempts, after.HasRetry));
            if (after.Status is JobStatus.Queued or JobStatus.Running) Assert.Equal(job.CancelRequested, after.CancelRequested);
            if (result.ClearsLease) Assert.Null(change.After.LeaseOwner);
            if (result.IsTerminal) Assert.NotNull(change.After.CompletedAt);
            if (after.Status is JobStatus.Queued or JobStatus.Running) Assert.Null(change.After.CompletedAt);
            state = change.After;
        }
    }

    [Property]
    public void Updated_at_strictly_increases_on_every_applied_change_whatever_the_clock_does(Walk walk)
    {
        var state = walk.StartState();
        var now = state.UpdatedAt;
        foreach (var step in walk.Steps)
        {
            now += step.ClockMove;
            var change = JobChanges.Plan(state, step.Operation, now, new TransitionInput { RetryAt = now.AddSeconds(5) });
            if (change is null) continue;

            Assert.True(change.After.UpdatedAt > state.UpdatedAt,
                $"{step.Operation}: updated_at went from {state.UpdatedAt:O} to {change.After.UpdatedAt:O} with the clock at {now:O}");
            Assert.True(change.After.UpdatedAt >= now, "updated_at fell behind the clock");
            state = change.After;
        }
    }

    private static bool IsTerminal(JobStatus status) => status is JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled;
}
