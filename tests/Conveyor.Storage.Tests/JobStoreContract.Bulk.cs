using Conveyor.Core;

namespace Conveyor.Storage.Tests;

public abstract partial class JobStoreContract
{
    [Fact]
    public async Task A_bulk_batch_decides_each_job_on_its_own_and_writes_one_event_per_change_and_the_audit_event_once()
    {
        // The claims first: a claim takes the only due job.
        var running = await AJobThatIs(Situation.Running);
        var succeeded = await AJobThatIs(Situation.Succeeded);
        var queued = await AJobThatIs(Situation.Queued);
        var cancelled = await AJobThatIs(Situation.Cancelled);
        var missing = Guid.CreateVersion7();
        var audit = Audit(action: "job.bulk");
        var eventsBefore = await Db.CountEventsAsync(Ct);
        var auditBefore = (await ((IAuditStore)Store).ListAuditAsync(new AuditQuery { Action = "job.bulk", Limit = 10 }, Ct)).Count;

        var first = await Store.ApplyManyAsync(new BulkApply([queued.Id, running.Id, missing], JobOperation.Cancel, audit, AppendAudit: true), Ct);
        var second = await Store.ApplyManyAsync(new BulkApply([cancelled.Id, succeeded.Id], JobOperation.Cancel, audit, AppendAudit: false), Ct);

        Assert.Equal(new[] { queued.Id, running.Id }.Order(), first.Changed.Order());
        Assert.Equal((0, 0, 1), (first.Unchanged, first.Rejected, first.Missing));
        Assert.Equal((0, 1, 1, 0), (second.Changed.Count, second.Unchanged, second.Rejected, second.Missing));
        Assert.Equal("cancelled", (await Db.JobRowAsync(queued.Id, Ct)).Status);
        Assert.NotNull((await Db.JobRowAsync(running.Id, Ct)).CancelRequestedAt);
        Assert.Equal(eventsBefore + 2, await Db.CountEventsAsync(Ct));
        Assert.Equal(audit.Id, (await Db.EventAuditIdsAsync(queued.Id, Ct))[^1]);
        Assert.Equal(audit.Id, (await Db.EventAuditIdsAsync(running.Id, Ct))[^1]);
        var events = await ((IAuditStore)Store).ListAuditAsync(new AuditQuery { Action = "job.bulk", Limit = 10 }, Ct);
        Assert.Equal(auditBefore + 1, events.Count);
        Assert.Equal(audit.Id, events[0].Id);
    }

    [Fact]
    public async Task A_bulk_retry_makes_one_new_job_per_failed_original_once()
    {
        var failed = await AJobThatIs(Situation.Failed);
        var queued = await AJobThatIs(Situation.Queued);
        var audit = Audit(action: "job.bulk");

        var first = await Store.ApplyManyAsync(new BulkApply([failed.Id, queued.Id], JobOperation.RetryAsNew, audit, true, RetryOf), Ct);
        var again = await Store.ApplyManyAsync(new BulkApply([failed.Id], JobOperation.RetryAsNew, Audit(action: "job.bulk"), true, RetryOf), Ct);

        Assert.Equal([failed.Id], first.Changed);
        Assert.Equal(1, first.Rejected);
        Assert.Equal((0, 1), (again.Changed.Count, again.Unchanged));
        var retry = Assert.Single(await Db.RetriesOfAsync(failed.Id, Ct));
        Assert.Equal("queued", (await Db.JobRowAsync(retry, Ct)).Status);
        Assert.Equal("failed", (await Db.JobRowAsync(failed.Id, Ct)).Status);
    }
}
