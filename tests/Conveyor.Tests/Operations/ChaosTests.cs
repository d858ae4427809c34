using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Conveyor.Auth;
using Conveyor.Storage.Postgres;
using Conveyor.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Xunit.Abstractions;

namespace Conveyor.Tests.Operations;

/// <summary>
/// The chaos run of issue 16, bounded to a few minutes: 5,000 jobs of mixed types (noop, sleep, fail and small CSV uploads
/// through both API nodes) on a cluster of its own (PostgreSQL, Redis, two API nodes, three worker processes), while a
/// worker is killed with SIGKILL and replaced, an API node is killed mid-upload and restarted, PostgreSQL is restarted
/// and Redis is stopped for 10 s. Afterwards every accepted job is finished, no CSV row is loaded twice, every job's
/// events are a legal path, and no upload left an orphan file or a job without its file.
/// </summary>
public sealed partial class ChaosTests(ITestOutputHelper output)
{
    private const int Total = 5000;
    private const int Csvs = 150;
    private const int RowsPerCsv = 20;

    [System.Text.RegularExpressions.GeneratedRegex(@"Workers started: \d+ as (\S+)")]
    private static partial System.Text.RegularExpressions.Regex Started();

    private static Dictionary<string, string> Settings(string redis, string data) => new()
    {
        ["Conveyor:Redis:Configuration"] = redis,
        ["Conveyor:DataDirectory"] = data,
        ["Conveyor:Workers:LeaseDuration"] = "00:00:04",
        ["Conveyor:Workers:HeartbeatInterval"] = "00:00:00.500",
        ["Conveyor:Workers:SweepInterval"] = "00:00:00.500",
        ["Conveyor:Workers:LeaderTtl"] = "00:00:01.500",
        ["Conveyor:Workers:LeaderElectInterval"] = "00:00:00.250",
        ["Conveyor:Workers:PollInterval"] = "00:00:00.500",
        ["Conveyor:Workers:RetryBaseDelay"] = "00:00:00.100",
        ["Conveyor:Workers:RetryMaxDelay"] = "00:00:01",
        ["Conveyor:Retention:Interval"] = "00:00:05",
        ["Conveyor:Retention:OrphanAge"] = "00:01:00",
    };

    [Fact]
    public async Task Five_thousand_jobs_survive_a_killed_worker_a_killed_api_node_a_database_restart_and_a_redis_outage()
    {
        await using var pg = await TestPostgresCluster.StartAsync();
        var connectionString = await pg.CreateDatabaseAsync("chaos");
        await using (var store = new PostgresJobStore(NpgsqlDataSource.Create(connectionString), TimeProvider.System, NullLogger<PostgresJobStore>.Instance))
            await store.MigrateAsync(CancellationToken.None);
        var db = new TestDatabase(Provider.Postgres, connectionString);
        await using var redis = await TestRedis.StartAsync();
        var data = Directory.CreateTempSubdirectory("conveyor-chaos-").FullName;
        var settings = Settings(redis.Configuration, data);
        var key = ApiKeyGenerator.NewKey();

        var workers = new List<WorkerProcess>();
        var servers = new List<ServerProcess>();
        try
        {
            // The first worker's sessions carry a name of their own, so the test can see PostgreSQL close them after the kill.
            workers.Add(WorkerProcess.Start(connectionString + $";Application Name={DoomedSessions}", 4, settings));
            for (var i = 1; i < 3; i++) workers.Add(WorkerProcess.Start(connectionString, 4, settings));
            for (var i = 0; i < 2; i++) servers.Add(ServerProcess.Start(connectionString, data, key, settings));
            var clients = new HttpClient[2];
            for (var i = 0; i < 2; i++) clients[i] = await servers[i].ClientAsync();

            var accepted = new ConcurrentDictionary<Guid, string>();
            var load = Task.Run(() => GenerateAsync(clients, accepted));

            // The faults, one after another while the load runs.
            await Eventually.WaitAsync(() => Task.FromResult(accepted.Count), n => n >= Total / 5, TimeSpan.FromMinutes(2), "a fifth of the load");
            var doomed = (await Eventually.WaitAsync(() => Task.FromResult(workers[0].Lines.Select(l => Started().Match(l)).FirstOrDefault(m => m.Success)),
                m => m is not null, TimeSpan.FromSeconds(60), "the first worker's id"))!.Groups[1].Value;
            await Eventually.WaitAsync(() => db.CountAsync("jobs", $"status = 'running' AND lease_owner = '{doomed}'"), n => n > 0,
                TimeSpan.FromSeconds(60), "the doomed worker to hold running jobs");
            workers[0].KillHard();
            // A transaction the worker had already sent may still commit after SIGKILL; once PostgreSQL has closed its
            // sessions, nothing but the rescuer can move the jobs it held (those it ran and those it had claimed ahead).
            await Eventually.WaitAsync(() => db.CountAsync("pg_stat_activity", $"application_name = '{DoomedSessions}'"), n => n == 0,
                TimeSpan.FromSeconds(30), "PostgreSQL to close the killed worker's sessions");
            var mark = await db.ScalarAsync<long>("SELECT coalesce(max(id), 0) FROM job_events");
            var held = await db.ScalarAsync<string>($"SELECT coalesce(string_agg(quote_literal(id::text), ','), '') FROM jobs WHERE status = 'running' AND lease_owner = '{doomed}'");
            Assert.NotEqual("", held);
            workers[0] = WorkerProcess.Start(connectionString, 4, settings);
            output.WriteLine($"{DateTimeOffset.UtcNow:T} worker killed and replaced at {accepted.Count} jobs");

            var midUpload = SlowUploadAsync(await servers[1].AddressAsync(), key);
            await Eventually.WaitAsync(() => Task.FromResult(PartialUploads(data)), n => n > 0 || midUpload.IsCompleted,
                TimeSpan.FromSeconds(30), "the slow upload to reach the disk");
            Assert.False(midUpload.IsCompleted, "the slow upload should still be going when its node is killed");
            servers[1].KillHard();
            await midUpload.ContinueWith(_ => { }, TaskScheduler.Default);
            var left = Orphans(data, (await db.ScalarAsync<string>("SELECT coalesce(string_agg(path, '|'), '') FROM stored_files")).Split('|').ToHashSet());
            Assert.True(left >= 1, "the killed node should have left its half-written upload behind");
            servers[1] = ServerProcess.Start(connectionString, data, key, settings);
            clients[1] = await servers[1].ClientAsync();
            output.WriteLine($"{DateTimeOffset.UtcNow:T} API node killed mid-upload and restarted at {accepted.Count} jobs");

            await Eventually.WaitAsync(() => Task.FromResult(accepted.Count), n => n >= Total / 2, TimeSpan.FromMinutes(2), "half the load");
            await pg.StopAsync();
            await pg.StartAgainAsync();
            output.WriteLine($"{DateTimeOffset.UtcNow:T} PostgreSQL restarted at {accepted.Count} jobs");

            await redis.StopAsync();
            var outageEnds = DateTimeOffset.UtcNow.AddSeconds(10);
            // While Redis is away each API node says it is degraded, not down, and still creates and reads jobs (status
            // reads go to the store).
            var duringOutage = new List<Guid>();
            for (var i = 0; i < 2; i++)
            {
                var client = clients[i];
                var health = await Eventually.WaitAsync(() => client.SendAsync(HttpMethod.Get, "/health/ready"),
                    h => h.Body?["checks"]?["redis"]?["status"]?.GetValue<string>() == "degraded" && h.Body?["status"]?.GetValue<string>() == "degraded",
                    TimeSpan.FromSeconds(4), $"API node {i} to report itself degraded with Redis gone");
                Assert.Equal((HttpStatusCode.OK, "healthy"), (health.Status, health.Body!["checks"]!["store"]!["status"]!.GetValue<string>()));
                // A create may meet a pooled connection the database restart just broke (the load generator retries those
                // too); it must be answered well within the outage.
                var created = await Eventually.WaitAsync(() => client.SendAsync(HttpMethod.Post, "/api/v1/jobs", """{"type":"noop"}"""),
                    r => r.Status == HttpStatusCode.Created, TimeSpan.FromSeconds(4), $"API node {i} to create a job while Redis is away");
                var job = Guid.Parse(created.Body!["id"]!.GetValue<string>());
                var (status, read, _) = await client.SendAsync(HttpMethod.Get, $"/api/job/{job}");
                Assert.Equal((HttpStatusCode.OK, job.ToString()), (status, read?["job_id"]?.GetValue<string>()));
                duringOutage.Add(job);
            }
            // The rest of the outage itself, not a wait for anything (on a starved box the checks may outlast it: then it is longer).
            if (outageEnds - DateTimeOffset.UtcNow is { Ticks: > 0 } rest) await Task.Delay(rest);
            await redis.StartAgainAsync();
            output.WriteLine($"{DateTimeOffset.UtcNow:T} Redis back after 10 s at {accepted.Count} jobs");

            await load;
            Assert.Equal(Total, accepted.Count);
            await Eventually.WaitAsync(() => db.CountAsync("jobs", "status IN ('queued', 'running')"), n => n == 0,
                TimeSpan.FromMinutes(4), "every job to finish");

            // None lost: every job a client was told about is there, finished (those created while Redis was away too).
            Assert.Equal(2, await db.CountAsync("jobs", $"id IN ({string.Join(",", duringOutage.Select(id => $"'{id}'"))}) AND status = 'succeeded'"));
            var ids = string.Join(",", accepted.Keys.Select(id => $"'{id}'"));
            Assert.Equal(Total, await db.CountAsync("jobs", $"id IN ({ids}) AND status IN ('succeeded', 'failed', 'cancelled')"));
            var failedFails = await db.CountAsync("jobs", $"id IN ({ids}) AND type = 'fail' AND status = 'failed'");
            if (failedFails != accepted.Count(a => a.Value == "fail"))
                output.WriteLine("fail jobs not failed: " + await db.ScalarAsync<string>($"""
                    SELECT string_agg(j.id || ' ' || j.status || ' attempt ' || j.attempt || '/' || j.max_attempts || ': ' ||
                      (SELECT string_agg(e.type || ' ' || coalesce(e.from_status, '-') || '>' || coalesce(e.to_status, '-') || ' by ' || e.actor || ' ' || e.data::text, ', ' ORDER BY e.id)
                       FROM job_events e WHERE e.job_id = j.id), '; ')
                    FROM jobs j WHERE j.id IN ({ids}) AND j.type = 'fail' AND j.status <> 'failed'
                    """));
            Assert.Equal(accepted.Count(a => a.Value == "fail"), failedFails);
            Assert.Equal(0, await db.CountAsync("jobs", $"id IN ({ids}) AND type <> 'fail' AND status <> 'succeeded'"));

            // No CSV row loaded twice, and each succeeded CSV job holds all its rows.
            Assert.Equal(0, await db.CountAsync("(SELECT job_id, row_number FROM records GROUP BY 1, 2 HAVING count(*) > 1) d"));
            Assert.Equal(0, await db.CountAsync(
                $"jobs j", $"j.type = 'csv' AND j.status = 'succeeded' AND (SELECT count(*) FROM records r WHERE r.job_id = j.id) <> {RowsPerCsv}"));

            // Every job's events are a legal path of the status machine, ending where the job is.
            Assert.Equal(0, await db.CountAsync("""
                (SELECT job_id, from_status, to_status, lag(to_status) OVER (PARTITION BY job_id ORDER BY id) AS before, row_number() OVER (PARTITION BY job_id ORDER BY id) AS n
                 FROM job_events WHERE to_status IS NOT NULL) e
                """, """
                (e.n = 1 AND (e.from_status IS NOT NULL OR e.to_status <> 'queued'))
                OR (e.n > 1 AND e.from_status IS DISTINCT FROM e.before)
                OR (e.n > 1 AND (e.from_status, e.to_status) NOT IN (('queued', 'running'), ('queued', 'cancelled'), ('running', 'queued'),
                    ('running', 'succeeded'), ('running', 'failed'), ('running', 'cancelled'), ('failed', 'queued')))
                """));
            Assert.Equal(0, await db.CountAsync("jobs j", """
                j.status <> (SELECT e.to_status FROM job_events e WHERE e.job_id = j.id AND e.to_status IS NOT NULL ORDER BY e.id DESC LIMIT 1)
                """));

            // Every CSV job has its file; every upload directory belongs to a job once the sweeper has been round.
            Assert.Equal(0, await db.CountAsync("jobs j", "j.type = 'csv' AND NOT EXISTS (SELECT 1 FROM stored_files f WHERE f.job_id = j.id)"));
            var paths = await db.ScalarAsync<string>("SELECT string_agg(path, '|') FROM stored_files");
            Assert.All(paths.Split('|'), p => Assert.True(File.Exists(Path.Combine(data, p)), $"the stored file {p} is on disk"));
            await Eventually.WaitAsync(() => Task.FromResult(Orphans(data, paths.Split('|').ToHashSet())), n => n == 0,
                TimeSpan.FromMinutes(3), "the sweeper to remove the upload the killed node left");
            // Each job the killed worker held left running through the rescuer: re-queued ("rescued"), failed as "worker lost" on
            // its last attempt, or cancelled when a cancel was asked for.
            var heldCount = held.Split(',').Length;
            var unrescued = await db.ScalarAsync<string>($"""
                SELECT coalesce(string_agg(j.id || ' ' || j.status, ', '), '') FROM jobs j WHERE j.id IN ({held}) AND NOT EXISTS (
                  SELECT 1 FROM job_events e WHERE e.job_id = j.id AND e.id > {mark} AND e.actor = 'sweeper' AND e.from_status = 'running')
                """);
            output.WriteLine($"{DateTimeOffset.UtcNow:T} done: {await db.CountAsync("jobs")} jobs, {heldCount} held by the killed worker, " +
                $"{await db.CountAsync("job_events", "type = 'rescued'")} rescue events in all");
            Assert.True(unrescued == "", $"of the {heldCount} jobs the killed worker held, these never went through the rescuer: {unrescued}");
        }
        finally
        {
            foreach (var worker in workers) await worker.DisposeAsync();
            foreach (var server in servers) await server.DisposeAsync();
        }
    }

    private const string DoomedSessions = "chaos-doomed-worker";

    /// <summary>
    /// Directories under uploads/ holding no stored file (a half-written upload counts). One the sweeper removes while this
    /// looks is not left behind.
    /// </summary>
    private static int Orphans(string data, IReadOnlySet<string> stored)
    {
        var uploads = Path.Combine(data, "uploads");
        return !Directory.Exists(uploads) ? 0 : Directory.GetDirectories(uploads).Count(d =>
        {
            try
            {
                return !Directory.GetFiles(d).Any(f => stored.Contains(Path.GetRelativePath(data, f)));
            }
            catch (DirectoryNotFoundException)
            {
                return false;
            }
        });
    }

    private static int PartialUploads(string data)
    {
        var uploads = Path.Combine(data, "uploads");
        return !Directory.Exists(uploads) ? 0 : Directory.GetFiles(uploads, "slow.csv", SearchOption.AllDirectories).Length;
    }

    /// <summary>
    /// The bounded load: batches of noop, sleep and fail jobs and single CSV uploads, alternating between the API nodes; a
    /// request that fails (a node or the database down) is sent again, creates under the same Idempotency-Key.
    /// </summary>
    private static async Task GenerateAsync(HttpClient[] clients, ConcurrentDictionary<Guid, string> accepted)
    {
        var plan = new List<string>();
        plan.AddRange(Enumerable.Repeat("csv", Csvs));
        plan.AddRange(Enumerable.Repeat("sleep", 400));
        plan.AddRange(Enumerable.Repeat("fail", 250));
        plan.AddRange(Enumerable.Repeat("noop", Total - plan.Count));
        var random = new Random(16);
        plan = plan.OrderBy(_ => random.Next()).ToList();
        var csv = Encoding.UTF8.GetBytes("name,n\n" + string.Concat(Enumerable.Range(1, RowsPerCsv).Select(i => $"row {i},{i}\n")));
        var turn = 0;
        var tasks = new List<Task>();
        using var gate = new SemaphoreSlim(6);
        foreach (var (type, index) in plan.Select((t, i) => (t, i)))
        {
            await gate.WaitAsync();
            var node = turn++ % 2;
            tasks.Add(Task.Run(async () =>
            {
                try
                {
                    var deadline = DateTimeOffset.UtcNow.AddMinutes(2);
                    var idempotency = $"chaos-{index}";
                    while (true)
                    {
                        Assert.True(DateTimeOffset.UtcNow < deadline, $"job {index} ({type}) was never accepted");
                        var client = clients[(node + (DateTimeOffset.UtcNow.Second % 2)) % 2];
                        try
                        {
                            if (type == "csv")
                            {
                                var (status, body, _) = await client.UploadAsync([($"c{index}.csv", csv)], new Dictionary<string, string> { ["dataset"] = "chaos" });
                                if (status == HttpStatusCode.Created)
                                {
                                    accepted[Guid.Parse(body!["ids"]![0]!.GetValue<string>())] = type;
                                    return;
                                }
                            }
                            else
                            {
                                object job = type switch
                                {
                                    "sleep" => new { type, metadata = new { seconds = 1 } },
                                    "fail" => new { type, max_attempts = 2, metadata = new { message = "chaos" } },
                                    _ => new { type },
                                };
                                using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/jobs")
                                {
                                    Content = new StringContent(JsonSerializer.Serialize(job), Encoding.UTF8, "application/json"),
                                };
                                request.Headers.Add("Idempotency-Key", idempotency);
                                using var response = await client.SendAsync(request);
                                if (response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK)
                                {
                                    var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                                    accepted[body.RootElement.GetProperty("id").GetGuid()] = type;
                                    return;
                                }
                            }
                        }
                        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                        {
                            // The node or the database is down: send it again.
                        }
                        await Task.Delay(200);
                    }
                }
                finally
                {
                    gate.Release();
                }
            }));
        }
        await Task.WhenAll(tasks);
    }

    /// <summary>An upload whose body trickles in, so the node can be killed while it is half on disk.</summary>
    private static async Task SlowUploadAsync(Uri node, string key)
    {
        using var client = new HttpClient { BaseAddress = node, Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Bearer " + key);
        using var content = new MultipartFormDataContent("SLOW");
        var file = new TrickleContent();
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        content.Add(file, "file", "slow.csv");
        try
        {
            using var response = await client.PostAsync("/api/v1/upload", content);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            // The node died mid-upload, as intended.
        }
    }

    /// <summary>A CSV body that gives ~230 KB at once (past the 64 KiB head the server sniffs before it writes), then ~1 KB every 100 ms for a minute (slower than Kestrel's 240 bytes/s and the server would drop the request itself).</summary>
    private sealed class TrickleContent : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes("name,n\n" + string.Concat(Enumerable.Range(0, 20_000).Select(i => $"row {i},{i}\n"))), cancellationToken);
            var late = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("late,1\n", 150))); // ~1 KB per 100 ms: above Kestrel's minimum data rate
            for (var i = 0; i < 600; i++)
            {
                await stream.FlushAsync(cancellationToken);
                await Task.Delay(100, cancellationToken);
                await stream.WriteAsync(late, cancellationToken);
            }
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => SerializeToStreamAsync(stream, context, CancellationToken.None);

        // Sent chunked: the length is not known up front.
        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
