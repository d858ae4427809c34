using Conveyor.Core;

namespace Conveyor.Storage.Tests;

public abstract partial class JobStoreContract
{
    [Fact]
    public async Task Ten_concurrent_migrations_on_a_fresh_database_apply_each_migration_once()
    {
        await using var fresh = await CreateHarnessAsync(Ct);
        var nodes = Enumerable.Range(0, 10).Select(_ => fresh.OpenAnotherStore()).ToList();

        await Task.WhenAll(nodes.Select(node => Task.Run(() => node.MigrateAsync(Ct))));

        var migrations = await fresh.MigrationRowsAsync(Ct);
        Assert.NotEmpty(migrations);
        Assert.Equal(fresh.MigrationVersions, migrations.Select(m => m.Version));
        Assert.All(migrations, m => Assert.Equal(1, m.Rows));
        var created = await fresh.Store.CreateAsync(ANewJob.Noop(), Audit(), Ct);
        Assert.Equal("queued", (await fresh.JobRowAsync(created.Job.Id, Ct)).Status);
    }

    [Fact]
    public async Task Concurrent_claimers_never_get_the_same_job()
    {
        const int jobs = 40;
        await Store.CreateBatchAsync(Enumerable.Range(0, jobs).Select(i => ANewJob.Noop().WithPriority(i % 3).Build()).ToList(), Audit(), Ct);
        var stores = new[] { Store, Db.OpenAnotherStore() };

        var claims = await Task.WhenAll(Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
        {
            var mine = new List<Guid>();
            while (true)
            {
                var batch = await stores[worker % 2].ClaimAsync($"worker-{worker}", 3, Lease, Ct);
                if (batch.Count == 0) return (Worker: $"worker-{worker}", Ids: mine);
                mine.AddRange(batch.Select(j => j.Id));
            }
        })));

        var all = claims.SelectMany(c => c.Ids).ToList();
        Assert.Equal(jobs, all.Count);
        Assert.Equal(jobs, all.Distinct().Count());
        foreach (var (worker, ids) in claims)
        {
            foreach (var id in ids)
            {
                var row = await Db.JobRowAsync(id, Ct);
                Assert.Equal(("running", 1, worker), (row.Status, row.Attempt, row.LeaseOwner));
                Assert.Equal(["created", "started"], (await Db.EventRowsAsync(id, Ct)).Select(e => e.Type));
            }
        }
    }

    [Fact]
    public async Task Fifty_concurrent_operator_calls_on_one_job_leave_one_consistent_history()
    {
        var stores = new[] { Store, Db.OpenAnotherStore() };
        // A few rounds, each on a fresh failed job: one burst rarely hits the narrow window where calls overlap.
        for (var round = 0; round < 4; round++)
        {
            // Above every job earlier rounds left queued, so this one is the one claimed.
            var job = await AJobThatIs(Situation.Failed, ANewJob.Noop().WithPriority(100 + round));
            var calls = Enumerable.Range(0, 50).Select(i => (OperatorCall)(i % 3)).ToArray();
            new Random(round).Shuffle(calls);
            var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

            var running = calls.Select((call, i) => Task.Run(async () =>
            {
                await gate.Task;
                var store = stores[i % 2];
                return call switch
                {
                    OperatorCall.Cancel => (await store.ApplyAsync(job.Id, JobOperation.Cancel, Audit(Operator), Ct)).Transition!,
                    OperatorCall.Requeue => (await store.ApplyAsync(job.Id, JobOperation.Requeue, Audit(Operator), Ct)).Transition!,
                    _ => (await store.RetryAsNewAsync(job.Id, RetryOf, Audit(Operator), Ct)).Transition!,
                };
            })).ToList();
            gate.SetResult();
            var outcomes = await Task.WhenAll(running);

            var events = await Db.EventRowsAsync(job.Id, Ct);
            var row = await Db.JobRowAsync(job.Id, Ct);
            var replayed = EventReplay.Replay(events, maxAttempts: 1);
            Assert.Equal(replayed.Status.ToName(), row.Status);
            Assert.Equal((replayed.Attempt, replayed.MaxAttempts), (row.Attempt, row.MaxAttempts));
            var retries = await Db.RetriesOfAsync(job.Id, Ct);
            Assert.InRange(retries.Count, 0, 1);
            Assert.Equal(retries.Count, events.Count(e => e.Type == JobEventTypes.RetriedAsNew));
            Assert.Equal(retries.Count > 0, replayed.HasRetry);
            // Every applied call wrote exactly one event; the three before them are created, started, failed.
            Assert.Equal(3 + outcomes.Count(o => o.IsApplied), events.Count);
            Assert.True(outcomes.Count(o => o.IsApplied) >= 1);
            Assert.Equal(events.Select(e => e.At).Order(), events.Select(e => e.At));
            Assert.Equal(events[^1].At, row.UpdatedAt);
        }
    }

    [Fact]
    public async Task A_rescue_racing_the_owner_s_completion_lets_exactly_one_of_them_through()
    {
        var sweeper = Db.OpenAnotherStore();
        for (var round = 0; round < 10; round++)
        {
            var job = await CreateAsync(ANewJob.Noop().WithPriority(100 + round).WithMaxAttempts(3));
            await ClaimOnlyAsync(job.Id);
            Clock.Advance(Lease + TimeSpan.FromSeconds(1));
            var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

            var rescue = Task.Run(async () => { await gate.Task; return await sweeper.RescueExpiredAsync(10, Ct); });
            var complete = Task.Run(async () =>
            {
                await gate.Task;
                return await Store.CompleteAsync(Worker, [new Completion(job.Id, JobOperation.Succeed, TransitionInput.None)], Ct);
            });
            gate.SetResult();
            var (rescued, completed) = (await rescue, await complete);

            Assert.Equal(1, rescued + completed);
            var row = await Db.JobRowAsync(job.Id, Ct);
            Assert.Equal(completed == 1 ? "succeeded" : "queued", row.Status);
            var events = await Db.EventRowsAsync(job.Id, Ct);
            Assert.Equal(["created", "started", completed == 1 ? "succeeded" : "rescued"], events.Select(e => e.Type));
            Assert.Equal(row.Status, EventReplay.Replay(events, maxAttempts: 3).Status.ToName());
            if (row.Status == "queued") await Store.ApplyAsync(job.Id, JobOperation.Cancel, Audit(Operator), Ct); // out of the next round's way
        }
    }

    [Fact]
    public async Task A_cancel_racing_a_claim_either_cancels_the_queued_job_or_asks_the_worker_to_stop()
    {
        var claimer = Db.OpenAnotherStore();
        for (var round = 0; round < 10; round++)
        {
            var job = await CreateAsync(ANewJob.Noop());
            var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

            var claim = Task.Run(async () => { await gate.Task; return await claimer.ClaimAsync(Worker, 1, Lease, Ct); });
            var cancel = Task.Run(async () => { await gate.Task; return await Store.ApplyAsync(job.Id, JobOperation.Cancel, Audit(Operator), Ct); });
            gate.SetResult();
            var (claimed, cancelled) = (await claim, await cancel);

            var row = await Db.JobRowAsync(job.Id, Ct);
            var events = await Db.EventRowsAsync(job.Id, Ct);
            Assert.Equal(TransitionKind.Applied, cancelled.Transition!.Kind);
            if (claimed.Count == 1)
            {
                Assert.Equal(("running", Worker), (row.Status, row.LeaseOwner));
                Assert.NotNull(row.CancelRequestedAt);
                Assert.Equal(["created", "started", "cancel_requested"], events.Select(e => e.Type));
                Assert.Equal([LeaseStop.Cancel(job.Id)], await Store.HeartbeatAsync(Worker, [job.Id], Lease, Ct));
                await CompleteAsync(job.Id, JobOperation.AcknowledgeCancel);
            }
            else
            {
                Assert.Equal("cancelled", row.Status);
                Assert.Equal(["created", "cancelled"], events.Select(e => e.Type));
            }
            Assert.Equal(row.Status, EventReplay.Replay(events, maxAttempts: 3).Status.ToName());
        }
    }
}
