using System.Text.RegularExpressions;
using Conveyor.Auth;
using Conveyor.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Conveyor.Tests.Operations;

/// <summary>A schedule across three worker processes and two API nodes on one PostgreSQL, while its leader is killed.</summary>
public sealed partial class ScheduleProcessTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(2);

    private static readonly Dictionary<string, string> Settings = new()
    {
        ["Conveyor:Schedules:beat:Cron"] = "*/2 * * * * *",
        ["Conveyor:Schedules:beat:Job:Type"] = "noop",
        ["Conveyor:Schedules:beat:Job:Metadata"] = """{"from":"schedule"}""",
        ["Conveyor:Workers:LeaseDuration"] = "00:00:03",
        ["Conveyor:Workers:HeartbeatInterval"] = "00:00:00.500",
        ["Conveyor:Workers:LeaderTtl"] = "00:00:01",
        ["Conveyor:Workers:LeaderElectInterval"] = "00:00:00.250",
    };

    [GeneratedRegex(@"Workers started: \d+ as (\S+)")]
    private static partial Regex Started();

    private static Task<string> LeaderAsync(TestDatabase db) =>
        db.ScalarAsync<string>("SELECT coalesce(max(node_id), '') FROM leader WHERE expires_at > now()");

    /// <summary>The ticks enqueued so far, from the jobs' idempotency keys, oldest first.</summary>
    private static async Task<List<long>> TicksAsync(TestDatabase db)
    {
        var text = await db.ScalarAsync<string>(
            "SELECT coalesce(string_agg(split_part(idempotency_key, ':', 3), ',' ORDER BY idempotency_key), '') FROM jobs WHERE idempotency_key LIKE 'schedule:beat:%'");
        return text.Length == 0 ? [] : text.Split(',').Select(long.Parse).Order().ToList();
    }

    [Fact]
    public async Task A_schedule_fires_once_per_tick_across_all_nodes_and_keeps_firing_when_its_leader_is_killed()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        var db = new TestDatabase(Provider.Postgres, connectionString);
        var workers = new List<WorkerProcess>();
        await using var servers = new ProcessGroup();
        try
        {
            for (var i = 0; i < 3; i++) workers.Add(WorkerProcess.Start(connectionString, 2, Settings));
            var ids = new List<string>();
            foreach (var worker in workers)
            {
                ids.Add((await Eventually.WaitAsync(() => Task.FromResult(worker.Lines.Select(l => Started().Match(l)).FirstOrDefault(m => m.Success)),
                    m => m is not null, TimeSpan.FromSeconds(60), "a worker to start"))!.Groups[1].Value);
            }
            var leader = await Eventually.WaitAsync(() => LeaderAsync(db), id => ids.Contains(id), TimeSpan.FromSeconds(60), "a worker to lead");
            var data = Directory.CreateTempSubdirectory("conveyor-shared-").FullName;
            var key = ApiKeyGenerator.NewKey();
            for (var i = 0; i < 2; i++) servers.Add(ServerProcess.Start(connectionString, data, key, Settings));
            foreach (var server in servers.Servers) await server.AddressAsync();

            await Eventually.WaitAsync(() => TicksAsync(db), t => t.Count >= 3, TimeSpan.FromSeconds(60), "three ticks under the first leader");
            var doomed = workers[ids.IndexOf(leader)];
            doomed.KillHard();
            var before = (await TicksAsync(db)).Last();

            await Eventually.WaitAsync(() => TicksAsync(db), t => t.Count(x => x > before) >= 4, TimeSpan.FromSeconds(90), "four ticks after the kill");
            var after = await LeaderAsync(db);
            Assert.NotEqual(leader, after);

            var ticks = await TicksAsync(db);
            output.WriteLine($"{ticks.Count} ticks; leader {leader} killed after {before}, then {after} led");
            Assert.Equal(ticks.Count, ticks.Distinct().Count());
            // Every tick between the first and the last, each once: none lost while no one led, none twice.
            Assert.Equal(Enumerable.Range(0, ticks.Count).Select(i => ticks[0] + i * (long)Tick.TotalMilliseconds), ticks);
            Assert.Equal(ticks.Count, await db.CountAsync("jobs", "idempotency_key LIKE 'schedule:beat:%' AND created_by = 'schedule:beat'"));

            using var client = await servers.Servers[1].ClientAsync();
            var (_, list, _) = await client.SendAsync(HttpMethod.Get, "/api/v1/schedules");
            var beat = list!["items"]!.AsArray().Single()!;
            Assert.Equal("beat", beat["name"]!.GetValue<string>());
            Assert.True(beat["last_run_at"]!.GetValue<DateTimeOffset>().ToUnixTimeMilliseconds() >= ticks[^1]);
            Assert.True(beat["next_run_at"]!.GetValue<DateTimeOffset>() > beat["last_run_at"]!.GetValue<DateTimeOffset>());
        }
        finally
        {
            foreach (var worker in workers) await worker.DisposeAsync();
        }
    }

    /// <summary>Server processes that are killed when the test ends, however it ends.</summary>
    private sealed class ProcessGroup : IAsyncDisposable
    {
        public List<ServerProcess> Servers { get; } = [];

        public void Add(ServerProcess server) => Servers.Add(server);

        public async ValueTask DisposeAsync()
        {
            foreach (var server in Servers) await server.DisposeAsync();
        }
    }
}
