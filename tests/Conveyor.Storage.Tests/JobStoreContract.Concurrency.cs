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
        Assert.Equal(Enumerable.Range(1, migrations.Count), migrations.Select(m => m.Version));
        Assert.All(migrations, m => Assert.Equal(1, m.Rows));
        var created = await fresh.Store.CreateAsync(ANewJob.Noop(), Ct);
        Assert.Equal("queued", (await fresh.JobRowAsync(created.Job.Id, Ct)).Status);
    }

    [Fact]
    public async Task Concurrent_claimers_never_get_the_same_job()
    {
        const int jobs = 40;
        await Store.CreateBatchAsync(Enumerable.Range(0, jobs).Select(i => ANewJob.Noop().WithPriority(i % 3).Build()).ToList(), Ct);
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
        var job = await AJobThatIs(Situation.Failed);
        var stores = new[] { Store, Db.OpenAnotherStore() };
        var calls = Enumerable.Range(0, 50).Select(i => (OperatorCall)(i % 3)).ToArray();
        new Random(1234).Shuffle(calls);

        var outcomes = await Task.WhenAll(calls.Select((call, i) => Task.Run(async () =>
        {
            var store = stores[i % 2];
            return call switch
            {
                OperatorCall.Cancel => (await store.ApplyAsync(job.Id, JobOperation.Cancel, Operator, Ct)).Transition!,
                OperatorCall.Requeue => (await store.ApplyAsync(job.Id, JobOperation.Requeue, Operator, Ct)).Transition!,
                _ => (await store.RetryAsNewAsync(job.Id, RetryOf, Operator, Ct)).Transition!,
            };
        })));

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
