using System.Text.RegularExpressions;
using Conveyor.Core;
using Conveyor.Storage;
using Conveyor.Storage.Postgres;
using Conveyor.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Conveyor.Tests;

/// <summary>Real worker processes on one PostgreSQL: many at once, and one that dies mid-job.</summary>
public sealed partial class WorkerProcessTests
{
    [GeneratedRegex(@"job\.invoked ([0-9a-f-]{36})")]
    private static partial Regex Invoked();

    private static async Task<(PostgresJobStore Store, TestDatabase Db, string ConnectionString)> NewStoreAsync()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        var store = new PostgresJobStore(NpgsqlDataSource.Create(connectionString), TimeProvider.System, NullLogger<PostgresJobStore>.Instance);
        await store.MigrateAsync(CancellationToken.None);
        return (store, new TestDatabase(Provider.Postgres, connectionString), connectionString);
    }

    [Fact]
    public async Task Two_worker_processes_with_eight_workers_each_run_five_thousand_jobs_exactly_once()
    {
        const int total = 5000;
        var (store, db, connectionString) = await NewStoreAsync();
        await using var _ = store;
        // Both processes are up before the jobs are queued: a process claims hundreds of quick jobs at a time, so one
        // that started seconds earlier (a process start on a loaded two-core box) would drain all 5,000 alone.
        await using var first = WorkerProcess.Start(connectionString, 8);
        await using var second = WorkerProcess.Start(connectionString, 8);
        foreach (var process in new[] { first, second })
        {
            await Eventually.WaitAsync(() => Task.FromResult(process.Lines.Any(l => l.Contains("Workers started"))), up => up,
                TimeSpan.FromSeconds(60), "both worker processes to start");
        }
        var ids = new HashSet<Guid>();
        for (var batch = 0; batch < total / 1000; batch++)
        {
            var created = await store.CreateBatchAsync(
                Enumerable.Range(0, 1000).Select(_ => new NewJob { Type = "noop" }).ToList(), AuditContext.System("job.create"), CancellationToken.None);
            ids.UnionWith(created.Select(j => j.Id));
        }
        await Eventually.WaitAsync(() => db.CountAsync("jobs", "status = 'succeeded'"), n => n == total,
            TimeSpan.FromMinutes(3), "every job to succeed");
        await first.StopAsync(TimeSpan.FromSeconds(30));
        await second.StopAsync(TimeSpan.FromSeconds(30));

        var invocations = first.Lines.Concat(second.Lines)
            .Select(l => Invoked().Match(l)).Where(m => m.Success).Select(m => Guid.Parse(m.Groups[1].Value)).ToList();
        Assert.Equal(total, invocations.Count);
        Assert.True(ids.SetEquals(invocations), "every job's handler ran, and no other");
        Assert.True(first.Lines.Any(l => Invoked().IsMatch(l)) && second.Lines.Any(l => Invoked().IsMatch(l)), "both processes took work");
        Assert.Equal(total, await db.CountAsync("job_events", "type = 'started'"));
        Assert.Equal(total, await db.CountAsync("job_events", "type = 'succeeded'"));
    }

    [Fact]
    public async Task A_worker_killed_mid_job_has_its_jobs_rescued_and_finished_by_another_within_lease_plus_sweep()
    {
        var lease = TimeSpan.FromSeconds(2);
        var sweep = TimeSpan.FromMilliseconds(500);
        var settings = new Dictionary<string, string>
        {
            ["Conveyor:Workers:LeaseDuration"] = lease.ToString(),
            ["Conveyor:Workers:HeartbeatInterval"] = "00:00:00.500",
            ["Conveyor:Workers:SweepInterval"] = sweep.ToString(),
        };
        var (store, db, connectionString) = await NewStoreAsync();
        await using var _ = store;
        var jobs = await store.CreateBatchAsync(Enumerable.Range(0, 6)
            .Select(_ => new NewJob { Type = "sleep", Metadata = JobMetadata.Parse("""{"seconds": 20}""") }).ToList(), AuditContext.System("job.create"), CancellationToken.None);

        await using var doomed = WorkerProcess.Start(connectionString, 8, settings);
        await Eventually.WaitAsync(() => db.CountAsync("jobs", "status = 'running'"), n => n == jobs.Count,
            TimeSpan.FromSeconds(60), "the first worker to run every job");
        // The other node is up before the crash, as in a cluster: the bound is the rescue's, not a process start's
        // (which took 5-10 s on a loaded two-core box and made this test fail when it was started after the kill).
        // The jobs sleep 20 s so that they still run on the first node when the second is up.
        await using var rescuer = WorkerProcess.Start(connectionString, 8, settings);
        await Eventually.WaitAsync(() => Task.FromResult(rescuer.Lines.Count(l => l.Contains("leader.elected"))), n => n > 0,
            TimeSpan.FromSeconds(60), "the second worker to take part in the election");
        Assert.True(await db.CountAsync("jobs", "status = 'running'") == jobs.Count, "every job still runs on the first worker");
        doomed.KillHard();
        var killedAt = DateTimeOffset.UtcNow;

        await Eventually.WaitAsync(() => db.CountAsync("jobs", "status = 'succeeded'"), n => n == jobs.Count,
            TimeSpan.FromSeconds(60), "the second worker to finish every job");
        await rescuer.StopAsync(TimeSpan.FromSeconds(30));

        foreach (var job in jobs)
        {
            Assert.Equal(1, await db.CountAsync("job_events", "job_id = @id AND type = 'succeeded'", job.Id));
            Assert.Equal(1, await db.CountAsync("job_events", "job_id = @id AND type = 'rescued'", job.Id));
            Assert.Equal(2, await db.CountAsync("job_events", "job_id = @id AND type = 'started'", job.Id));
            var rescuedAt = await db.ScalarAsync<DateTime>("SELECT at FROM job_events WHERE job_id = @id AND type = 'rescued'", job.Id);
            // The lease runs out at most a lease after the kill; the leader's term (half a lease) has passed by then,
            // and the next sweep rescues. The slack is for timers and queries on a busy shared machine.
            var bound = lease + sweep + TimeSpan.FromSeconds(3);
            Assert.True(new DateTimeOffset(rescuedAt, TimeSpan.Zero) - killedAt <= bound,
                $"rescued {(new DateTimeOffset(rescuedAt, TimeSpan.Zero) - killedAt).TotalSeconds:F1} s after the kill");
        }
        Assert.DoesNotContain(rescuer.Lines, l => l.Contains("job.invoked") && !jobs.Any(j => l.Contains(j.Id.ToString())));
    }
}
