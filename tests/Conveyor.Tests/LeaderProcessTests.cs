using System.Text.RegularExpressions;
using Conveyor.Core;
using Conveyor.Storage;
using Conveyor.Storage.Postgres;
using Conveyor.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Xunit.Abstractions;

namespace Conveyor.Tests;

/// <summary>
/// The leader among real worker processes on one PostgreSQL: when it dies, another node takes over and rescues the
/// dead leader's own jobs within lease + sweep; a node that is not the leader never rescues.
/// </summary>
public sealed partial class LeaderProcessTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Sweep = TimeSpan.FromMilliseconds(500);

    private static readonly Dictionary<string, string> Settings = new()
    {
        ["Conveyor:Workers:LeaseDuration"] = Lease.ToString(),
        ["Conveyor:Workers:HeartbeatInterval"] = "00:00:00.500",
        ["Conveyor:Workers:SweepInterval"] = Sweep.ToString(),
        ["Conveyor:Workers:LeaderTtl"] = "00:00:01",
        ["Conveyor:Workers:LeaderElectInterval"] = "00:00:00.250",
    };

    [GeneratedRegex(@"Workers started: \d+ as (\S+)")]
    private static partial Regex Started();

    private static async Task<(PostgresJobStore Store, TestDatabase Db, string ConnectionString)> NewStoreAsync()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        var store = new PostgresJobStore(NpgsqlDataSource.Create(connectionString), TimeProvider.System, NullLogger<PostgresJobStore>.Instance);
        await store.MigrateAsync(CancellationToken.None);
        return (store, new TestDatabase(Provider.Postgres, connectionString), connectionString);
    }

    private static async Task<string> NodeIdAsync(WorkerProcess process) =>
        (await Eventually.WaitAsync(() => Task.FromResult(process.Lines.Select(l => Started().Match(l)).FirstOrDefault(m => m.Success)),
            m => m is not null, TimeSpan.FromSeconds(60), "the worker to start"))!.Groups[1].Value;

    /// <summary>The node whose term has not passed, or "" when there is none.</summary>
    private static Task<string> LeaderAsync(TestDatabase db) =>
        db.ScalarAsync<string>("SELECT coalesce(max(node_id), '') FROM leader WHERE expires_at > now()");

    [Fact]
    public async Task When_the_leader_is_killed_another_node_takes_over_and_rescues_its_jobs_within_lease_plus_sweep()
    {
        var (store, db, connectionString) = await NewStoreAsync();
        await using var _ = store;
        await using var leader = WorkerProcess.Start(connectionString, 8, Settings);
        var leaderId = await NodeIdAsync(leader);
        await Eventually.WaitAsync(() => LeaderAsync(db), id => id == leaderId, TimeSpan.FromSeconds(30), "the only node to lead");
        var jobs = await store.CreateBatchAsync(Enumerable.Range(0, 4)
            .Select(_ => new NewJob { Type = "sleep", Metadata = JobMetadata.Parse("""{"seconds": 60}""") }).ToList(), AuditContext.System("job.create"), CancellationToken.None);
        await Eventually.WaitAsync(() => db.CountAsync("jobs", "status = 'running' AND records_total IS NOT NULL"), n => n == jobs.Count,
            TimeSpan.FromSeconds(60), "the leader to run every job itself");

        await using var follower = WorkerProcess.Start(connectionString, 8, Settings);
        var followerId = await NodeIdAsync(follower);
        await Eventually.WaitAsync(() => Task.FromResult(follower.Lines.Any(l => l.Contains($"leader.elected {leaderId}"))), seen => seen,
            TimeSpan.FromSeconds(30), "the second node to see the first lead");
        Assert.Equal(leaderId, await LeaderAsync(db));

        leader.KillHard();
        var killedAt = DateTimeOffset.UtcNow;

        await Eventually.WaitAsync(() => db.CountAsync("job_events", "type = 'rescued'"), n => n == jobs.Count,
            TimeSpan.FromSeconds(60), "the new leader to rescue every job of the dead one");
        Assert.Contains(follower.Lines, l => l.Contains($"Node {followerId} is now the leader"));
        Assert.Equal(followerId, await LeaderAsync(db));
        foreach (var job in jobs)
        {
            Assert.Equal(1, await db.CountAsync("job_events", "job_id = @id AND type = 'rescued'", job.Id));
            var rescuedAt = new DateTimeOffset(await db.ScalarAsync<DateTime>("SELECT at FROM job_events WHERE job_id = @id AND type = 'rescued'", job.Id), TimeSpan.Zero);
            // The lease (from the dead node's last heartbeat) plus one sweep, plus a little for a busy machine.
            output.WriteLine($"job {job.Id} rescued {(rescuedAt - killedAt).TotalSeconds:F2} s after the kill (lease {Lease.TotalSeconds} s, sweep {Sweep.TotalSeconds} s)");
            Assert.True(rescuedAt - killedAt <= Lease + Sweep + TimeSpan.FromSeconds(2),
                $"rescued {(rescuedAt - killedAt).TotalSeconds:F1} s after the kill");
        }
        await Eventually.WaitAsync(() => db.CountAsync("jobs", $"status = 'running' AND lease_owner = '{followerId}'"), n => n == jobs.Count,
            TimeSpan.FromSeconds(60), "the new leader to run the rescued jobs");

        await follower.StopAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(0, await db.CountAsync("leader"));
    }

    [Fact]
    public async Task A_node_that_is_not_the_leader_never_rescues_and_rescues_once_it_leads()
    {
        var (store, db, connectionString) = await NewStoreAsync();
        await using var _ = store;
        // A live leader elsewhere, for the next hour; and a job whose worker died, its lease long gone.
        await db.ExecuteAsync("INSERT INTO leader (node_id, elected_at, expires_at) VALUES ('elsewhere', now(), now() + interval '1 hour')");
        var job = (await store.CreateAsync(new NewJob { Type = "noop" }, AuditContext.System("job.create"), CancellationToken.None)).Job;
        Assert.Single(await store.ClaimAsync("ghost", 1, TimeSpan.FromMilliseconds(1), CancellationToken.None));

        await using var follower = WorkerProcess.Start(connectionString, 2, Settings);
        var followerId = await NodeIdAsync(follower);
        // Twelve election rounds of 250 ms: six sweep intervals in which a leader would have rescued the job.
        await Eventually.WaitAsync(() => Task.FromResult(follower.Lines.Count(l => l.Contains("leader.elected elsewhere"))), n => n >= 12,
            TimeSpan.FromSeconds(60), "the node to see the other leader twelve times");

        Assert.Equal("running", await db.StatusAsync(job.Id));
        Assert.Equal(0, await db.CountAsync("job_events", "type = 'rescued'"));
        Assert.DoesNotContain(follower.Lines, l => l.Contains("is now the leader") || l.Contains("Rescued"));

        await db.ExecuteAsync("UPDATE leader SET expires_at = now() - interval '1 second'");

        await Eventually.WaitAsync(() => db.CountAsync("job_events", "job_id = @id AND type = 'rescued'", job.Id), n => n == 1,
            TimeSpan.FromSeconds(30), "the node, now leader, to rescue the job");
        Assert.Contains(follower.Lines, l => l.Contains($"Node {followerId} is now the leader"));
        await Eventually.WaitAsync(() => db.StatusAsync(job.Id), s => s == "succeeded", TimeSpan.FromSeconds(30), "the rescued job to run");
        await follower.StopAsync(TimeSpan.FromSeconds(60));
    }
}
