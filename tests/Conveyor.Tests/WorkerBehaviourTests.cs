using System.Net;
using System.Text.Json.Nodes;
using Conveyor.Tests.Infrastructure;

namespace Conveyor.Tests;

public sealed class SqliteWorkerBehaviourTests() : WorkerBehaviour(Provider.Sqlite);

public sealed class PostgresWorkerBehaviourTests() : WorkerBehaviour(Provider.Postgres);

/// <summary>In-process workers against each store: execution, retries, cooperative cancel and graceful shutdown.</summary>
public abstract class WorkerBehaviour(Provider provider) : IAsyncLifetime
{
    public static readonly TimeSpan Heartbeat = TimeSpan.FromMilliseconds(400);

    private TestServer _server = null!;

    public static Dictionary<string, string> WorkerSettings(int count = 4) => new()
    {
        ["Conveyor:Workers:Count"] = count.ToString(),
        ["Conveyor:Workers:HeartbeatInterval"] = Heartbeat.ToString(),
        ["Conveyor:Workers:LeaseDuration"] = "00:00:05",
        ["Conveyor:Workers:SweepInterval"] = "00:00:01",
        ["Conveyor:Workers:ShutdownGrace"] = "00:00:01",
        ["Conveyor:Workers:RetryBaseDelay"] = "00:00:00.050",
        ["Conveyor:Workers:PollInterval"] = "00:00:01",
        ["Conveyor:Workers:ProgressFlushInterval"] = "00:00:00.200",
    };

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(provider, WorkerSettings());

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private Task<JsonNode> WaitForStatusAsync(Guid id, string status, TimeSpan? timeout = null) =>
        Eventually.WaitAsync(async () => (await _server.Client.GetJobAsync(id))!, j => j.Status() == status,
            timeout ?? TimeSpan.FromSeconds(20), $"job {id} to be {status}");

    [Fact]
    public async Task The_ready_check_names_the_leader_and_says_this_node_is_it()
    {
        var body = await Eventually.WaitAsync(async () => (await _server.Client.SendAsync(HttpMethod.Get, "/health/ready")).Body!,
            b => b["checks"]!["leader"]!["data"]!["is_leader"]!.GetValue<bool>(), TimeSpan.FromSeconds(20), "this node to lead");

        var leader = body["checks"]!["leader"]!;
        var node = leader["data"]!["this_node"]!.GetValue<string>();
        Assert.Equal("healthy", leader["status"]!.GetValue<string>());
        Assert.Equal(node, leader["data"]!["leader"]!.GetValue<string>());
        Assert.Equal($"This node ({node}) is the leader: it runs the maintenance services.", leader["description"]!.GetValue<string>());
        Assert.Contains(_server.Logs.Lines, l => l.Contains($"Node {node} is now the leader"));
    }

    [Fact]
    public async Task A_noop_job_runs_once_and_succeeds()
    {
        var id = (await _server.Client.CreateJobAsync(new { type = "noop" })).Id();
        var job = await WaitForStatusAsync(id, "succeeded");

        Assert.Equal(1, job["attempt"]!.GetValue<int>());
        Assert.NotNull(job["started_at"]);
        Assert.NotNull(job["completed_at"]);
        Assert.Null(job["lease_owner"]);
        var (_, events, _) = await _server.Client.SendAsync(HttpMethod.Get, $"/api/v1/jobs/{id}/events");
        Assert.Equal(["created", "started", "succeeded"], events!["items"]!.AsArray().Select(e => e!["type"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_failing_job_is_retried_with_back_off_then_fails_with_a_safe_error_and_a_reference()
    {
        var id = (await _server.Client.CreateJobAsync(new
        {
            type = "fail",
            max_attempts = 2,
            metadata = new { message = "Could not open /srv/conveyor/secret.csv with Password=hunter2" },
        })).Id();
        var job = await WaitForStatusAsync(id, "failed");

        Assert.Equal(2, job["attempt"]!.GetValue<int>());
        var error = job["error"]!.GetValue<string>();
        Assert.DoesNotContain("/srv/conveyor", error);
        Assert.DoesNotContain("hunter2", error);
        Assert.StartsWith("Could not open", error);
        Assert.Matches("^[0-9a-f]{16,32}$", job["error_ref"]!.GetValue<string>());
        var (_, events, _) = await _server.Client.SendAsync(HttpMethod.Get, $"/api/v1/jobs/{id}/events");
        Assert.Equal(["created", "started", "retry_scheduled", "started", "failed"],
            events!["items"]!.AsArray().Select(e => e!["type"]!.GetValue<string>()));
        Assert.NotNull(events["items"]![2]!["data"]!["retry_at"]);
    }

    [Fact]
    public async Task Cancel_of_a_running_sleep_job_ends_it_within_one_heartbeat()
    {
        var id = (await _server.Client.CreateJobAsync(new { type = "sleep", metadata = new { seconds = 60 } })).Id();
        await WaitForStatusAsync(id, "running");

        var (status, _, _) = await _server.Client.SendAsync(HttpMethod.Post, $"/api/v1/jobs/{id}/cancel");
        Assert.Equal(HttpStatusCode.OK, status);
        var job = await WaitForStatusAsync(id, "cancelled", TimeSpan.FromSeconds(10));

        var requested = DateTimeOffset.Parse(job["cancel_requested_at"]!.GetValue<string>());
        var completed = DateTimeOffset.Parse(job["completed_at"]!.GetValue<string>());
        // One heartbeat to notice, plus a little for the handler to unwind and the completer to commit.
        Assert.True(completed - requested <= Heartbeat + TimeSpan.FromMilliseconds(600),
            $"cancel took {(completed - requested).TotalMilliseconds} ms with a {Heartbeat.TotalMilliseconds} ms heartbeat");
        Assert.Equal(1, job["attempt"]!.GetValue<int>());
    }

    [Fact]
    public async Task Progress_of_a_running_job_reaches_the_store_in_batches()
    {
        // Four one-second steps: three seconds in which the job runs with some progress stored, so a loaded box that
        // polls late still sees it part way (two steps left one second, which a busy box missed).
        var id = (await _server.Client.CreateJobAsync(new { type = "sleep", metadata = new { seconds = 4 } })).Id();
        var job = await Eventually.WaitAsync(async () => (await _server.Client.GetJobAsync(id))!,
            j => j["records_processed"]!.GetValue<long>() >= 1 && j.Status() == "running", TimeSpan.FromSeconds(10), "progress");
        Assert.Equal(4, job["records_total"]!.GetValue<long>());
        Assert.InRange(job["records_processed"]!.GetValue<long>(), 1, 3);
        var done = await WaitForStatusAsync(id, "succeeded");
        Assert.Equal(4, done["records_processed"]!.GetValue<long>());
    }

    [Fact]
    public async Task Fifty_concurrent_cancel_requeue_and_retry_calls_leave_one_consistent_history()
    {
        var id = (await _server.Client.CreateJobAsync(new { type = "fail", max_attempts = 1 })).Id();
        await WaitForStatusAsync(id, "failed");

        string[] routes = ["cancel", "requeue", "retry"];
        var calls = Enumerable.Range(0, 50).Select(i =>
            _server.Client.SendAsync(HttpMethod.Post, $"/api/v1/jobs/{id}/{routes[i % 3]}"));
        var answers = await Task.WhenAll(calls);
        Assert.All(answers, a => Assert.True(a.Status is HttpStatusCode.OK or HttpStatusCode.Created or HttpStatusCode.Conflict,
            $"unexpected {a.Status}: {a.Text}"));
        Assert.True(await _server.Database.CountAsync("jobs", "retry_of = @id", id) <= 1);
        Assert.True(answers.Count(a => a.Status == HttpStatusCode.Created) <= 1);

        // Let the workers settle the requeued job, then replay the history: every event starts where the last one ended.
        var final = await Eventually.WaitAsync(async () => (await _server.Client.GetJobAsync(id))!,
            j => j.Status() is "failed" or "cancelled", TimeSpan.FromSeconds(20), "the job to settle");
        var (_, events, _) = await _server.Client.SendAsync(HttpMethod.Get, $"/api/v1/jobs/{id}/events");
        string? status = null;
        foreach (var e in events!["items"]!.AsArray())
        {
            Assert.Equal(status, e!["from_status"]?.GetValue<string>());
            status = e["to_status"]!.GetValue<string>();
        }
        Assert.Equal(final.Status(), status);
        Assert.Equal(status, await _server.Database.StatusAsync(id));
    }

    [Fact]
    public async Task A_worker_does_not_hoard_long_jobs_it_cannot_start_soon()
    {
        await using var single = await TestServer.StartAsync(provider, WorkerSettings(count: 1));
        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++) ids.Add((await single.Client.CreateJobAsync(new { type = "sleep", metadata = new { seconds = 1.5 } })).Id());

        // While a job runs on the only worker, the others stay queued for any other node to take: the worker
        // holds nothing beyond what it can start now. (A finished job's outcome may still be on its way, so
        // "running" rows alone would over-count; queued rows say what was left alone.)
        var db = single.Database;
        for (var round = 1; round <= 2; round++)
        {
            await Eventually.WaitAsync(() => db.CountAsync("jobs", "status = 'running' AND records_total IS NOT NULL AND records_processed = 0"),
                n => n == 1, TimeSpan.FromSeconds(20), $"job {round} to start");
            Assert.Equal(3 - round, await db.CountAsync("jobs", "status = 'queued'"));
            await Eventually.WaitAsync(() => db.CountAsync("jobs", "status = 'succeeded'"), n => n >= round, TimeSpan.FromSeconds(20), $"job {round} to finish");
        }
        await Eventually.WaitAsync(() => db.CountAsync("jobs", "status = 'succeeded'"), n => n == 3, TimeSpan.FromSeconds(20), "all three to finish");
    }
}
