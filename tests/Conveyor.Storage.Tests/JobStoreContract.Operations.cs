using Conveyor.Core;

namespace Conveyor.Storage.Tests;

public abstract partial class JobStoreContract
{
    /// <summary>An operator's call: cancel, requeue (retry in place) or retry-as-new.</summary>
    public enum OperatorCall
    {
        Cancel,
        Requeue,
        RetryAsNew,
    }

    /// <summary>situation, call → what the machine decides, the status in the database after, the events it adds (0 or 1), and which.</summary>
    public static TheoryData<Situation, OperatorCall, TransitionKind, string, string?> OperatorTable => new()
    {
        { Situation.Queued, OperatorCall.Cancel, TransitionKind.Applied, "cancelled", "cancelled" },
        { Situation.Queued, OperatorCall.Requeue, TransitionKind.NoOp, "queued", null },
        { Situation.Queued, OperatorCall.RetryAsNew, TransitionKind.Rejected, "queued", null },
        { Situation.Running, OperatorCall.Cancel, TransitionKind.Applied, "running", "cancel_requested" },
        { Situation.Running, OperatorCall.Requeue, TransitionKind.NoOp, "running", null },
        { Situation.Running, OperatorCall.RetryAsNew, TransitionKind.Rejected, "running", null },
        { Situation.RunningCancelRequested, OperatorCall.Cancel, TransitionKind.NoOp, "running", null },
        { Situation.RunningCancelRequested, OperatorCall.Requeue, TransitionKind.NoOp, "running", null },
        { Situation.RunningCancelRequested, OperatorCall.RetryAsNew, TransitionKind.Rejected, "running", null },
        { Situation.Succeeded, OperatorCall.Cancel, TransitionKind.Rejected, "succeeded", null },
        { Situation.Succeeded, OperatorCall.Requeue, TransitionKind.Rejected, "succeeded", null },
        { Situation.Succeeded, OperatorCall.RetryAsNew, TransitionKind.Rejected, "succeeded", null },
        { Situation.Failed, OperatorCall.Cancel, TransitionKind.Rejected, "failed", null },
        { Situation.Failed, OperatorCall.Requeue, TransitionKind.Applied, "queued", "requeued" },
        { Situation.Failed, OperatorCall.RetryAsNew, TransitionKind.Applied, "failed", "retried_as_new" },
        { Situation.Cancelled, OperatorCall.Cancel, TransitionKind.NoOp, "cancelled", null },
        { Situation.Cancelled, OperatorCall.Requeue, TransitionKind.Rejected, "cancelled", null },
        { Situation.Cancelled, OperatorCall.RetryAsNew, TransitionKind.Rejected, "cancelled", null },
    };

    private async Task<(TransitionResult Transition, Job Job)> CallAsync(Guid id, OperatorCall call)
    {
        if (call == OperatorCall.RetryAsNew)
        {
            var retried = await Store.RetryAsNewAsync(id, RetryOf, Audit(Operator), Ct);
            return (retried.Transition!, retried.Original!);
        }
        var outcome = await Store.ApplyAsync(id, call == OperatorCall.Cancel ? JobOperation.Cancel : JobOperation.Requeue, Audit(Operator), Ct);
        return (outcome.Transition!, outcome.Job!);
    }

    [Theory]
    [MemberData(nameof(OperatorTable), MemberType = typeof(JobStoreContract))]
    public async Task An_operator_call_in_every_status_writes_what_the_status_machine_decides(
        Situation situation, OperatorCall call, TransitionKind kind, string statusAfter, string? eventType)
    {
        var job = await AJobThatIs(situation);
        var before = await Db.JobRowAsync(job.Id, Ct);
        var eventsBefore = await Db.EventRowsAsync(job.Id, Ct);
        Clock.Advance(TimeSpan.FromMinutes(1));

        var (transition, returned) = await CallAsync(job.Id, call);

        Assert.Equal(kind, transition.Kind);
        var after = await Db.JobRowAsync(job.Id, Ct);
        var events = await Db.EventRowsAsync(job.Id, Ct);
        Assert.Equal(statusAfter, after.Status);
        Assert.Equal(statusAfter, returned.Status.ToName());
        if (kind == TransitionKind.Applied)
        {
            Assert.Equal(eventsBefore.Count + 1, events.Count);
            Assert.Equal(Now, after.UpdatedAt);
            var appended = events[^1];
            Assert.Equal((eventType, before.Status, statusAfter, Now, Operator),
                (appended.Type, appended.FromStatus, appended.ToStatus, appended.At, appended.Actor));
        }
        else
        {
            Assert.Equal(eventsBefore, events);
            Assert.Equal(before, after);
        }
        Assert.Equal(call == OperatorCall.RetryAsNew && kind == TransitionKind.Applied ? 1 : 0, (await Db.RetriesOfAsync(job.Id, Ct)).Count);
    }

    [Fact]
    public async Task Cancel_of_a_queued_job_appends_one_event()
    {
        var job = await AJobThatIs(Situation.Queued);

        var outcome = await Store.ApplyAsync(job.Id, JobOperation.Cancel, Audit(Operator), Ct);

        Assert.Equal(JobStatus.Cancelled, outcome.Job!.Status);
        var row = await Db.JobRowAsync(job.Id, Ct);
        Assert.Equal(("cancelled", Now, (DateTimeOffset?)Now), (row.Status, row.UpdatedAt, row.CompletedAt));
        Assert.Equal(["created", "cancelled"], (await Db.EventRowsAsync(job.Id, Ct)).Select(e => e.Type));
        Assert.Empty(await Store.ClaimAsync(Worker, 10, Lease, Ct));
    }

    [Fact]
    public async Task Cancel_of_a_running_job_stamps_the_request_and_leaves_it_with_its_worker()
    {
        var job = await AJobThatIs(Situation.Running);

        await Store.ApplyAsync(job.Id, JobOperation.Cancel, Audit(Operator), Ct);

        var row = await Db.JobRowAsync(job.Id, Ct);
        Assert.Equal(("running", (DateTimeOffset?)Now, Worker, (DateTimeOffset?)null), (row.Status, row.CancelRequestedAt, row.LeaseOwner, row.CompletedAt));
        Assert.Equal(1, row.Attempt);
    }

    [Fact]
    public async Task Cancel_repeated_changes_nothing_more()
    {
        var job = await AJobThatIs(Situation.Queued);
        await Store.ApplyAsync(job.Id, JobOperation.Cancel, Audit(Operator), Ct);
        var once = await Db.JobRowAsync(job.Id, Ct);
        Clock.Advance(TimeSpan.FromMinutes(1));

        var again = await Store.ApplyAsync(job.Id, JobOperation.Cancel, Audit(Operator), Ct);

        Assert.Equal(TransitionKind.NoOp, again.Transition!.Kind);
        Assert.Equal(once, await Db.JobRowAsync(job.Id, Ct));
        Assert.Equal(2, (await Db.EventRowsAsync(job.Id, Ct)).Count);
    }

    [Fact]
    public async Task Cancel_of_a_finished_job_is_refused_with_the_409_message()
    {
        var job = await AJobThatIs(Situation.Succeeded);

        var outcome = await Store.ApplyAsync(job.Id, JobOperation.Cancel, Audit(Operator), Ct);

        Assert.Equal(TransitionKind.Rejected, outcome.Transition!.Kind);
        Assert.Equal("Only queued or running jobs can be cancelled.", outcome.Transition.Reason);
    }

    [Fact]
    public async Task Requeue_of_a_failed_job_runs_it_again_now_keeping_its_attempt_history()
    {
        var job = await AJobThatIs(Situation.Failed);
        var failed = await Db.JobRowAsync(job.Id, Ct);
        Assert.Equal(("failed", 1, 1, "Row 3 is bad."), (failed.Status, failed.Attempt, failed.MaxAttempts, failed.Error));

        var outcome = await Store.ApplyAsync(job.Id, JobOperation.Requeue, Audit(Operator), Ct);

        Assert.Equal(TransitionKind.Applied, outcome.Transition!.Kind);
        var row = await Db.JobRowAsync(job.Id, Ct);
        Assert.Equal(("queued", 1, 2), (row.Status, row.Attempt, row.MaxAttempts));
        Assert.Equal((Now, Now), (row.ScheduledAt, row.UpdatedAt));
        Assert.Null(row.Error);
        Assert.Null(row.CompletedAt);
        Assert.Null(row.LeaseOwner);
        var again = await ClaimOnlyAsync(job.Id);
        Assert.Equal(2, again.Attempt);
        Assert.Equal(["created", "started", "failed", "requeued", "started"], (await Db.EventRowsAsync(job.Id, Ct)).Select(e => e.Type));
    }

    [Fact]
    public async Task Requeue_of_a_succeeded_job_is_refused_with_the_409_message()
    {
        var job = await AJobThatIs(Situation.Succeeded);

        var outcome = await Store.ApplyAsync(job.Id, JobOperation.Requeue, Audit(Operator), Ct);

        Assert.Equal("Only failed jobs can be retried.", outcome.Transition!.Reason);
        Assert.Equal("succeeded", (await Db.JobRowAsync(job.Id, Ct)).Status);
    }

    [Fact]
    public async Task Retry_as_new_of_a_failed_job_creates_one_queued_copy_linked_to_it()
    {
        var original = await AJobThatIs(Situation.Failed, ANewJob.OfType("csv").WithPriority(4).WithDataset("people"));
        var failedRow = await Db.JobRowAsync(original.Id, Ct);

        var outcome = await Store.RetryAsNewAsync(original.Id, RetryOf, Audit(Operator), Ct);

        Assert.Equal(TransitionKind.Applied, outcome.Transition!.Kind);
        var retry = outcome.Retry!;
        Assert.NotEqual(original.Id, retry.Id);
        Assert.Equal(original.Id, retry.RetryOf);
        Assert.Equal(("csv", 4, "people", JobStatus.Queued, 0), (retry.Type, retry.Priority, retry.Dataset, retry.Status, retry.Attempt));
        var retryRow = await Db.JobRowAsync(retry.Id, Ct);
        Assert.Equal(("queued", (Guid?)original.Id, Now), (retryRow.Status, retryRow.RetryOf, retryRow.CreatedAt));
        Assert.Equal(["created"], (await Db.EventRowsAsync(retry.Id, Ct)).Select(e => e.Type));
        var originalRow = await Db.JobRowAsync(original.Id, Ct);
        Assert.Equal(("failed", "Row 3 is bad.", failedRow.CompletedAt), (originalRow.Status, originalRow.Error, originalRow.CompletedAt));
        Assert.Equal(Now, originalRow.UpdatedAt);
        Assert.Equal("retried_as_new", (await Db.EventRowsAsync(original.Id, Ct))[^1].Type);
        Assert.Equal(retry.Id, await Store.FindRetryAsync(original.Id, Ct));
        var retriedAsNew = (await Store.GetEventsAsync(original.Id, Ct))![^1];
        Assert.Equal(retry.Id.ToString(), retriedAsNew.Data.GetProperty("retry_id").GetString());
        var createdFrom = (await Store.GetEventsAsync(retry.Id, Ct))![0];
        Assert.Equal(original.Id.ToString(), createdFrom.Data.GetProperty("retry_of").GetString());
    }

    [Fact]
    public async Task Retry_as_new_repeated_returns_the_same_new_job_and_adds_nothing()
    {
        var original = await AJobThatIs(Situation.Failed);
        var first = await Store.RetryAsNewAsync(original.Id, RetryOf, Audit(Operator), Ct);
        var eventsAfterFirst = await Db.EventRowsAsync(original.Id, Ct);
        Clock.Advance(TimeSpan.FromMinutes(1));

        var second = await Store.RetryAsNewAsync(original.Id, RetryOf, Audit(Operator), Ct);

        Assert.Equal(TransitionKind.NoOp, second.Transition!.Kind);
        Assert.Equal(first.Retry!.Id, second.Retry!.Id);
        Assert.Equal([first.Retry.Id], await Db.RetriesOfAsync(original.Id, Ct));
        Assert.Equal(eventsAfterFirst, await Db.EventRowsAsync(original.Id, Ct));
        Assert.Equal(2, await Db.CountJobsAsync(Ct));
    }

    /// <summary>Runs <paramref name="call"/> with a short deadline: a row lock left behind would make it wait forever.</summary>
    private async Task<T> WithinSecondsAsync<T>(Func<CancellationToken, Task<T>> call)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(15));
        return await call(deadline.Token);
    }

    [Fact]
    public async Task Retry_as_new_whose_builder_throws_leaves_the_job_unchanged_and_unlocked()
    {
        var original = await AJobThatIs(Situation.Failed);
        var before = await Db.JobRowAsync(original.Id, Ct);
        var events = await Db.EventRowsAsync(original.Id, Ct);

        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            Store.RetryAsNewAsync(original.Id, _ => throw new InvalidOperationException("The handler is gone."), Audit(Operator), Ct));

        Assert.Equal(before, await Db.JobRowAsync(original.Id, Ct));
        Assert.Equal(events, await Db.EventRowsAsync(original.Id, Ct));
        Assert.Empty(await Db.RetriesOfAsync(original.Id, Ct));
        var requeue = await WithinSecondsAsync(ct => Store.ApplyAsync(original.Id, JobOperation.Requeue, Audit(Operator), ct));
        Assert.Equal(TransitionKind.Applied, requeue.Transition!.Kind);
    }

    [Fact]
    public async Task Retry_as_new_whose_new_job_cannot_be_stored_leaves_the_job_unchanged_and_unlocked()
    {
        var original = await AJobThatIs(Situation.Failed);
        await CreateAsync(ANewJob.Noop().WithIdempotencyKey("taken", "sha"));
        var before = await Db.JobRowAsync(original.Id, Ct);
        var jobs = await Db.CountJobsAsync(Ct);

        await Assert.ThrowsAnyAsync<Exception>(() =>
            Store.RetryAsNewAsync(original.Id, o => RetryOf(o) with { IdempotencyKey = "taken", RequestHash = "sha" }, Audit(Operator), Ct));

        Assert.Equal(before, await Db.JobRowAsync(original.Id, Ct));
        Assert.Equal(jobs, await Db.CountJobsAsync(Ct));
        Assert.Empty(await Db.RetriesOfAsync(original.Id, Ct));
        var retry = await WithinSecondsAsync(ct => Store.RetryAsNewAsync(original.Id, RetryOf, Audit(Operator), ct));
        Assert.Equal(TransitionKind.Applied, retry.Transition!.Kind);
        Assert.Equal([retry.Retry!.Id], await Db.RetriesOfAsync(original.Id, Ct));
    }
}
