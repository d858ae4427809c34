using Conveyor.Core;

namespace Conveyor.Storage.Tests;

public abstract partial class JobStoreContract
{
    [Fact]
    public async Task Claim_takes_higher_priority_first_then_earlier_schedule_then_older()
    {
        var t = Now;
        var a = await CreateAsync(ANewJob.Noop().WithPriority(5).ScheduledAt(t.AddSeconds(20)));
        Clock.Advance(TimeSpan.FromSeconds(1));
        var b = await CreateAsync(ANewJob.Noop().WithPriority(5).ScheduledAt(t.AddSeconds(10)));
        Clock.Advance(TimeSpan.FromSeconds(1));
        var c = await CreateAsync(ANewJob.Noop().WithPriority(9).ScheduledAt(t.AddSeconds(30)));
        Clock.Advance(TimeSpan.FromSeconds(1));
        var d = await CreateAsync(ANewJob.Noop().WithPriority(5).ScheduledAt(t.AddSeconds(10)));
        Clock.Advance(TimeSpan.FromSeconds(1));
        var e = await CreateAsync(ANewJob.Noop().WithPriority(0));
        var notYet = await CreateAsync(ANewJob.Noop().WithPriority(100).ScheduledAt(t.AddHours(1)));
        Clock.Advance(TimeSpan.FromSeconds(40));

        var order = new List<Guid>();
        for (var i = 0; i < 6; i++)
        {
            var claimed = await Store.ClaimAsync(Worker, 1, Lease, Ct);
            order.AddRange(claimed.Select(j => j.Id));
        }

        Assert.Equal([c.Id, b.Id, d.Id, a.Id, e.Id], order);
        Assert.Equal("queued", (await Db.JobRowAsync(notYet.Id, Ct)).Status);
        Clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal([notYet.Id], (await Store.ClaimAsync(Worker, 5, Lease, Ct)).Select(j => j.Id));
    }

    [Fact]
    public async Task Claim_does_not_take_a_job_before_its_scheduled_time()
    {
        var job = await CreateAsync(ANewJob.Noop().ScheduledAt(Now.AddMinutes(5)));

        Assert.Empty(await Store.ClaimAsync(Worker, 10, Lease, Ct));
        Clock.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromMilliseconds(1));
        Assert.Empty(await Store.ClaimAsync(Worker, 10, Lease, Ct));
        Clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal([job.Id], (await Store.ClaimAsync(Worker, 10, Lease, Ct)).Select(j => j.Id));
    }

    [Fact]
    public async Task Claim_starts_the_job_under_a_lease_with_one_started_event()
    {
        var job = await CreateAsync(ANewJob.Noop());
        Clock.Advance(TimeSpan.FromSeconds(3));

        var claimed = await ClaimOnlyAsync(job.Id);

        Assert.Equal((JobStatus.Running, 1, Worker, (DateTimeOffset?)Now.Add(Lease)), (claimed.Status, claimed.Attempt, claimed.LeaseOwner, claimed.LeaseExpiresAt));
        var row = await Db.JobRowAsync(job.Id, Ct);
        Assert.Equal(("running", 1, Worker), (row.Status, row.Attempt, row.LeaseOwner));
        Assert.Equal(((DateTimeOffset?)Now.Add(Lease), (DateTimeOffset?)Now, Now), (row.LeaseExpiresAt, row.StartedAt, row.UpdatedAt));
        var events = await Db.EventRowsAsync(job.Id, Ct);
        Assert.Equal(["created", "started"], events.Select(e => e.Type));
        Assert.Equal(("queued", "running", Now), (events[1].FromStatus, events[1].ToStatus, events[1].At));
        Assert.Contains(Worker, events[1].Actor);
    }

    [Fact]
    public async Task Claim_takes_at_most_max_jobs_and_nothing_when_the_queue_is_empty()
    {
        Assert.Empty(await Store.ClaimAsync(Worker, 5, Lease, Ct));
        var ids = new List<Guid>();
        for (var i = 0; i < 5; i++) ids.Add((await CreateAsync(ANewJob.Noop())).Id);

        var first = await Store.ClaimAsync(Worker, 3, Lease, Ct);
        var second = await Store.ClaimAsync(Worker, 3, Lease, Ct);
        var third = await Store.ClaimAsync(Worker, 3, Lease, Ct);

        Assert.Equal(3, first.Count);
        Assert.Equal(2, second.Count);
        Assert.Empty(third);
        Assert.Equal(ids.Order(), first.Concat(second).Select(j => j.Id).Order());
    }

    [Fact]
    public async Task Heartbeat_extends_the_lease_so_the_sweeper_leaves_the_job_alone()
    {
        var job = await CreateAsync(ANewJob.Noop());
        await ClaimOnlyAsync(job.Id);
        Clock.Advance(TimeSpan.FromSeconds(20));

        var stop = await Store.HeartbeatAsync(Worker, [job.Id], Lease, Ct);

        Assert.Empty(stop);
        Assert.Equal(Now.Add(Lease), (await Db.JobRowAsync(job.Id, Ct)).LeaseExpiresAt);
        Clock.Advance(TimeSpan.FromSeconds(20)); // past the first lease, inside the extended one
        Assert.Equal(0, await Store.RescueExpiredAsync(10, Ct));
        Assert.Equal(("running", Worker), ((await Db.JobRowAsync(job.Id, Ct)).Status, (await Db.JobRowAsync(job.Id, Ct)).LeaseOwner));
    }

    [Fact]
    public async Task Heartbeat_reports_the_jobs_whose_cancel_was_requested()
    {
        var keep = await CreateAsync(ANewJob.Noop());
        var cancel = await CreateAsync(ANewJob.Noop());
        await Store.ClaimAsync(Worker, 2, Lease, Ct);
        await Store.ApplyAsync(cancel.Id, JobOperation.Cancel, Audit(Operator), Ct);
        Clock.Advance(TimeSpan.FromSeconds(10));

        var stop = await Store.HeartbeatAsync(Worker, [keep.Id, cancel.Id], Lease, Ct);

        Assert.Equal([LeaseStop.Cancel(cancel.Id)], stop);
        Assert.Equal(Now.Add(Lease), (await Db.JobRowAsync(keep.Id, Ct)).LeaseExpiresAt);
    }

    [Fact]
    public async Task Heartbeat_for_a_job_the_worker_no_longer_holds_tells_it_to_stop_and_extends_nothing()
    {
        var job = await CreateAsync(ANewJob.Noop());
        await ClaimOnlyAsync(job.Id, OtherWorker);
        var before = await Db.JobRowAsync(job.Id, Ct);
        Clock.Advance(TimeSpan.FromSeconds(10));

        var stop = await Store.HeartbeatAsync(Worker, [job.Id], Lease, Ct);

        Assert.Equal([LeaseStop.Lost(job.Id)], stop);
        Assert.Equal(before, await Db.JobRowAsync(job.Id, Ct));
    }

    [Fact]
    public async Task Complete_with_success_finishes_the_job()
    {
        var job = await CreateAsync(ANewJob.Noop());
        await ClaimOnlyAsync(job.Id);
        Clock.Advance(TimeSpan.FromSeconds(2));

        await CompleteAsync(job.Id, JobOperation.Succeed);

        var row = await Db.JobRowAsync(job.Id, Ct);
        Assert.Equal(("succeeded", (DateTimeOffset?)Now, Now, 1), (row.Status, row.CompletedAt, row.UpdatedAt, row.Attempt));
        Assert.Null(row.LeaseOwner);
        Assert.Null(row.LeaseExpiresAt);
        Assert.Null(row.Error);
        Assert.Equal(["created", "started", "succeeded"], (await Db.EventRowsAsync(job.Id, Ct)).Select(e => e.Type));
    }

    [Fact]
    public async Task Complete_with_a_failure_and_attempts_left_schedules_a_retry_after_the_back_off()
    {
        var job = await CreateAsync(ANewJob.Noop().WithMaxAttempts(3));
        await ClaimOnlyAsync(job.Id);
        Clock.Advance(TimeSpan.FromSeconds(2));
        var retryAt = Now + Backoff.Delay(1, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(10), 0.5);

        await CompleteAsync(job.Id, JobOperation.Fail, new TransitionInput { Error = "Row 3 is bad.", ErrorRef = "err-1", RetryAt = retryAt });

        var row = await Db.JobRowAsync(job.Id, Ct);
        Assert.Equal(("queued", 1, retryAt, "Row 3 is bad."), (row.Status, row.Attempt, row.ScheduledAt, row.Error));
        Assert.Null(row.LeaseOwner);
        Assert.Null(row.CompletedAt);
        Assert.Equal(Now, row.UpdatedAt);
        Assert.Equal("retry_scheduled", (await Db.EventRowsAsync(job.Id, Ct))[^1].Type);
        Assert.Empty(await Store.ClaimAsync(Worker, 1, Lease, Ct));
        Clock.Advance(retryAt - Now);
        Assert.Equal(2, (await ClaimOnlyAsync(job.Id)).Attempt);
    }

    [Fact]
    public async Task Complete_with_a_failure_on_the_last_attempt_fails_the_job_for_good()
    {
        var job = await CreateAsync(ANewJob.Noop().WithMaxAttempts(2));
        await ClaimOnlyAsync(job.Id);
        await CompleteAsync(job.Id, JobOperation.Fail, new TransitionInput { Error = "First.", RetryAt = Now });
        await ClaimOnlyAsync(job.Id);
        Clock.Advance(TimeSpan.FromSeconds(2));

        await CompleteAsync(job.Id, JobOperation.Fail, new TransitionInput { Error = "Second.", ErrorRef = "err-2", RetryAt = Now.AddMinutes(1) });

        var row = await Db.JobRowAsync(job.Id, Ct);
        Assert.Equal(("failed", 2, "Second.", (DateTimeOffset?)Now), (row.Status, row.Attempt, row.Error, row.CompletedAt));
        Assert.Null(row.LeaseOwner);
        Assert.Equal(["created", "started", "retry_scheduled", "started", "failed"], (await Db.EventRowsAsync(job.Id, Ct)).Select(e => e.Type));
        Clock.Advance(TimeSpan.FromHours(1));
        Assert.Empty(await Store.ClaimAsync(Worker, 1, Lease, Ct));
    }

    [Fact]
    public async Task Complete_with_an_acknowledged_cancel_cancels_the_job()
    {
        var job = await AJobThatIs(Situation.RunningCancelRequested);

        await CompleteAsync(job.Id, JobOperation.AcknowledgeCancel);

        var row = await Db.JobRowAsync(job.Id, Ct);
        Assert.Equal(("cancelled", (DateTimeOffset?)Now, (string?)null), (row.Status, row.CompletedAt, row.LeaseOwner));
        Assert.Equal(["created", "started", "cancel_requested", "cancelled"], (await Db.EventRowsAsync(job.Id, Ct)).Select(e => e.Type));
    }

    [Fact]
    public async Task Complete_with_a_failure_after_a_cancel_request_cancels_instead_of_retrying()
    {
        var job = await AJobThatIs(Situation.RunningCancelRequested);

        await CompleteAsync(job.Id, JobOperation.Fail, new TransitionInput { Error = "Interrupted.", RetryAt = Now });

        Assert.Equal("cancelled", (await Db.JobRowAsync(job.Id, Ct)).Status);
        Assert.Empty(await Store.ClaimAsync(Worker, 1, Lease, Ct));
    }

    [Fact]
    public async Task Complete_writes_the_final_progress_with_the_outcome()
    {
        var job = await CreateAsync(ANewJob.Noop());
        await ClaimOnlyAsync(job.Id);

        var written = await Store.CompleteAsync(Worker,
            [new Completion(job.Id, JobOperation.Succeed, TransitionInput.None, new ProgressUpdate(job.Id, 100, 2, 102))], Ct);

        Assert.Equal(1, written);
        var row = await Db.JobRowAsync(job.Id, Ct);
        Assert.Equal(("succeeded", 100L, 2L, (long?)102), (row.Status, row.RecordsProcessed, row.RecordsFailed, row.RecordsTotal));
    }

    [Fact]
    public async Task Complete_of_several_jobs_in_one_call_writes_each()
    {
        var ok = await CreateAsync(ANewJob.Noop());
        var bad = await CreateAsync(ANewJob.Noop().WithMaxAttempts(1));
        await Store.ClaimAsync(Worker, 2, Lease, Ct);

        var written = await Store.CompleteAsync(Worker,
        [
            new Completion(ok.Id, JobOperation.Succeed, TransitionInput.None),
            new Completion(bad.Id, JobOperation.Fail, new TransitionInput { Error = "Nope." }),
        ], Ct);

        Assert.Equal(2, written);
        Assert.Equal("succeeded", (await Db.JobRowAsync(ok.Id, Ct)).Status);
        Assert.Equal("failed", (await Db.JobRowAsync(bad.Id, Ct)).Status);
    }

    [Fact]
    public async Task Complete_by_a_stale_owner_is_ignored()
    {
        var job = await CreateAsync(ANewJob.Noop());
        await ClaimOnlyAsync(job.Id, Worker);
        Clock.Advance(Lease + TimeSpan.FromSeconds(1));
        Assert.Equal(1, await Store.RescueExpiredAsync(10, Ct));
        await ClaimOnlyAsync(job.Id, OtherWorker);
        var before = await Db.JobRowAsync(job.Id, Ct);
        var events = await Db.EventRowsAsync(job.Id, Ct);
        Clock.Advance(TimeSpan.FromSeconds(1));

        var written = await Store.CompleteAsync(Worker,
            [new Completion(job.Id, JobOperation.Succeed, TransitionInput.None, new ProgressUpdate(job.Id, 99, 0, 99))], Ct);

        Assert.Equal(0, written);
        Assert.Equal(before, await Db.JobRowAsync(job.Id, Ct));
        Assert.Equal(("running", OtherWorker, 2), (before.Status, before.LeaseOwner, before.Attempt));
        Assert.Equal(events, await Db.EventRowsAsync(job.Id, Ct));
    }

    [Fact]
    public async Task Complete_of_an_earlier_attempt_by_the_same_owner_leaves_the_attempt_that_holds_the_job_running()
    {
        // The worker's heartbeat came too late: the job was rescued and this same worker claimed it again. The first
        // attempt's handler, told to stop, reports a cancel; it must not end the second attempt.
        var job = await CreateAsync(ANewJob.Noop());
        var first = await ClaimOnlyAsync(job.Id, Worker);
        Clock.Advance(Lease + TimeSpan.FromSeconds(1));
        Assert.Equal(1, await Store.RescueExpiredAsync(10, Ct));
        var second = await ClaimOnlyAsync(job.Id, Worker);
        var before = await Db.JobRowAsync(job.Id, Ct);
        var events = await Db.EventRowsAsync(job.Id, Ct);
        Clock.Advance(TimeSpan.FromSeconds(1));

        var stale = await Store.CompleteAsync(Worker,
            [new Completion(job.Id, JobOperation.AcknowledgeCancel, TransitionInput.None, new ProgressUpdate(job.Id, 7, 0, 7)) { Attempt = first.Attempt }], Ct);

        Assert.Equal((1, 2, 0), (first.Attempt, second.Attempt, stale));
        Assert.Equal(before, await Db.JobRowAsync(job.Id, Ct));
        Assert.Equal(events, await Db.EventRowsAsync(job.Id, Ct));

        var current = await Store.CompleteAsync(Worker,
            [new Completion(job.Id, JobOperation.Succeed, TransitionInput.None) { Attempt = second.Attempt }], Ct);

        Assert.Equal(1, current);
        var after = await Db.JobRowAsync(job.Id, Ct);
        Assert.Equal(("succeeded", 2), (after.Status, after.Attempt));
    }

    [Fact]
    public async Task Rescue_requeues_an_expired_job_while_attempts_remain()
    {
        var job = await CreateAsync(ANewJob.Noop().WithMaxAttempts(3));
        await ClaimOnlyAsync(job.Id);
        Clock.Advance(Lease + TimeSpan.FromSeconds(1));

        Assert.Equal(1, await Store.RescueExpiredAsync(10, Ct));

        var row = await Db.JobRowAsync(job.Id, Ct);
        Assert.Equal(("queued", 1, Now, Now), (row.Status, row.Attempt, row.ScheduledAt, row.UpdatedAt));
        Assert.Null(row.LeaseOwner);
        Assert.Null(row.LeaseExpiresAt);
        var rescued = (await Db.EventRowsAsync(job.Id, Ct))[^1];
        Assert.Equal(("rescued", "running", "queued"), (rescued.Type, rescued.FromStatus, rescued.ToStatus));
        Assert.Equal(2, (await ClaimOnlyAsync(job.Id, OtherWorker)).Attempt);
    }

    [Fact]
    public async Task Rescue_fails_an_expired_job_on_its_last_attempt_as_worker_lost()
    {
        var job = await CreateAsync(ANewJob.Noop().WithMaxAttempts(1));
        await ClaimOnlyAsync(job.Id);
        Clock.Advance(Lease + TimeSpan.FromSeconds(1));

        Assert.Equal(1, await Store.RescueExpiredAsync(10, Ct));

        var row = await Db.JobRowAsync(job.Id, Ct);
        Assert.Equal(("failed", (DateTimeOffset?)Now), (row.Status, row.CompletedAt));
        Assert.StartsWith("Worker lost", row.Error);
        Assert.Null(row.LeaseOwner);
        Assert.Equal("failed", (await Db.EventRowsAsync(job.Id, Ct))[^1].Type);
    }

    [Fact]
    public async Task Rescue_cancels_an_expired_job_whose_cancel_was_requested()
    {
        var job = await AJobThatIs(Situation.RunningCancelRequested);
        Clock.Advance(Lease);

        Assert.Equal(1, await Store.RescueExpiredAsync(10, Ct));

        Assert.Equal("cancelled", (await Db.JobRowAsync(job.Id, Ct)).Status);
        Assert.Equal("cancelled", (await Db.EventRowsAsync(job.Id, Ct))[^1].Type);
    }

    [Fact]
    public async Task Rescue_leaves_live_leases_alone_and_takes_at_most_max()
    {
        for (var i = 0; i < 3; i++) await CreateAsync(ANewJob.Noop());
        await Store.ClaimAsync(Worker, 3, Lease, Ct);
        Clock.Advance(Lease - TimeSpan.FromSeconds(1));
        Assert.Equal(0, await Store.RescueExpiredAsync(10, Ct));
        Clock.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(2, await Store.RescueExpiredAsync(2, Ct));
        Assert.Equal(1, await Store.RescueExpiredAsync(2, Ct));
        Assert.Equal(0, await Store.RescueExpiredAsync(2, Ct));
        Assert.Equal(3, (await Store.ListAsync(new JobQuery { Statuses = [JobStatus.Queued] }, Ct)).Total);
    }

    [Fact]
    public async Task Release_on_shutdown_hands_the_job_back_without_using_an_attempt()
    {
        var job = await CreateAsync(ANewJob.Noop());
        await ClaimOnlyAsync(job.Id);
        Clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(1, await Store.ReleaseAsync(Worker, [job.Id], Ct));

        var row = await Db.JobRowAsync(job.Id, Ct);
        Assert.Equal(("queued", 0, Now, Now), (row.Status, row.Attempt, row.ScheduledAt, row.UpdatedAt));
        Assert.Null(row.LeaseOwner);
        Assert.Equal("released", (await Db.EventRowsAsync(job.Id, Ct))[^1].Type);
        Assert.Equal(1, (await ClaimOnlyAsync(job.Id)).Attempt);
    }

    [Fact]
    public async Task Release_by_a_worker_that_does_not_hold_the_job_changes_nothing()
    {
        var job = await CreateAsync(ANewJob.Noop());
        await ClaimOnlyAsync(job.Id, OtherWorker);
        var before = await Db.JobRowAsync(job.Id, Ct);

        Assert.Equal(0, await Store.ReleaseAsync(Worker, [job.Id], Ct));

        Assert.Equal(before, await Db.JobRowAsync(job.Id, Ct));
    }

    [Fact]
    public async Task Release_of_a_job_whose_cancel_was_requested_cancels_it()
    {
        var job = await AJobThatIs(Situation.RunningCancelRequested);

        Assert.Equal(1, await Store.ReleaseAsync(Worker, [job.Id], Ct));

        Assert.Equal("cancelled", (await Db.JobRowAsync(job.Id, Ct)).Status);
    }

    [Fact]
    public async Task Flush_progress_writes_the_counters_of_running_jobs_and_moves_updated_at()
    {
        var job = await CreateAsync(ANewJob.Noop());
        await ClaimOnlyAsync(job.Id);
        Clock.Advance(TimeSpan.FromSeconds(1));

        await Store.FlushProgressAsync([new ProgressUpdate(job.Id, 500, 3, 1000)], Ct);

        var first = await Db.JobRowAsync(job.Id, Ct);
        Assert.Equal((500L, 3L, (long?)1000, Now), (first.RecordsProcessed, first.RecordsFailed, first.RecordsTotal, first.UpdatedAt));
        await Store.FlushProgressAsync([new ProgressUpdate(job.Id, 900, 3, null)], Ct); // the clock did not move
        var second = await Db.JobRowAsync(job.Id, Ct);
        Assert.Equal((900L, (long?)null), (second.RecordsProcessed, second.RecordsTotal));
        Assert.True(second.UpdatedAt > first.UpdatedAt, $"updated_at stayed at {second.UpdatedAt:O}");
        Assert.Equal("running", second.Status);
    }

    [Fact]
    public async Task Flush_progress_ignores_jobs_that_are_not_running()
    {
        var queued = await CreateAsync(ANewJob.Noop());
        var before = await Db.JobRowAsync(queued.Id, Ct);

        await Store.FlushProgressAsync([new ProgressUpdate(queued.Id, 10, 0, 10)], Ct);

        Assert.Equal(before, await Db.JobRowAsync(queued.Id, Ct));
    }

    [Fact]
    public async Task Subscribe_wakes_a_subscriber_after_a_create()
    {
        await (await Store.SubscribeAsync(Ct)).DisposeAsync(); // starts any listener, and takes its first wake-up
        await using var signal = await Store.SubscribeAsync(Ct);
        // Nothing was enqueued: a signal that is always set would wake here (a negative control, not a wait for work).
        Assert.False(await signal.WaitAsync(TimeSpan.FromMilliseconds(200), Ct));

        await CreateAsync(ANewJob.Noop());

        Assert.True(await signal.WaitAsync(TimeSpan.FromSeconds(30), Ct));
    }

    [Fact]
    public async Task Subscribe_wakes_a_subscriber_after_a_requeue()
    {
        var job = await AJobThatIs(Situation.Failed);
        await (await Store.SubscribeAsync(Ct)).DisposeAsync();
        await using var signal = await Store.SubscribeAsync(Ct);

        await Store.ApplyAsync(job.Id, JobOperation.Requeue, Audit(Operator), Ct);

        Assert.True(await signal.WaitAsync(TimeSpan.FromSeconds(30), Ct));
    }
}
