using System.Net;
using System.Text.Json.Nodes;
using Conveyor.Tests.Infrastructure;

namespace Conveyor.Tests;

/// <summary>Shared server per test class: one per provider.</summary>
public sealed class SqliteServerFixture : IAsyncLifetime
{
    public TestServer Server { get; private set; } = null!;
    public async Task InitializeAsync() => Server = await TestServer.StartAsync(Provider.Sqlite);
    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>Shared PostgreSQL-backed server per test class.</summary>
public sealed class PostgresServerFixture : IAsyncLifetime
{
    public TestServer Server { get; private set; } = null!;
    public async Task InitializeAsync() => Server = await TestServer.StartAsync(Provider.Postgres);
    public async Task DisposeAsync() => await Server.DisposeAsync();
}

public sealed class SqliteApiContractTests(SqliteServerFixture fixture) : ApiContract(fixture.Server), IClassFixture<SqliteServerFixture>;

public sealed class PostgresApiContractTests(PostgresServerFixture fixture) : ApiContract(fixture.Server), IClassFixture<PostgresServerFixture>;

/// <summary>
/// The /api/v1 jobs contract, run against both stores. Every state change is checked in the database itself:
/// the status, the number of job_events rows and whether updated_at moved.
/// </summary>
public abstract class ApiContract(TestServer server)
{
    private HttpClient Client => server.Client;
    private TestDatabase Db => server.Database;

    public enum Op { Cancel, Delete, Requeue, Retry }

    public static TheoryData<JobSetup, Op, HttpStatusCode, string, int> Transitions => new()
    {
        // setup, operation, answer, status after, new events
        { JobSetup.Queued, Op.Cancel, HttpStatusCode.OK, "cancelled", 1 },
        { JobSetup.Running, Op.Cancel, HttpStatusCode.OK, "running", 1 },
        { JobSetup.RunningCancelRequested, Op.Cancel, HttpStatusCode.OK, "running", 0 },
        { JobSetup.Succeeded, Op.Cancel, HttpStatusCode.Conflict, "succeeded", 0 },
        { JobSetup.Failed, Op.Cancel, HttpStatusCode.Conflict, "failed", 0 },
        { JobSetup.Cancelled, Op.Cancel, HttpStatusCode.OK, "cancelled", 0 },
        { JobSetup.Queued, Op.Delete, HttpStatusCode.NoContent, "cancelled", 1 },
        { JobSetup.Running, Op.Delete, HttpStatusCode.NoContent, "running", 1 },
        { JobSetup.Succeeded, Op.Delete, HttpStatusCode.Conflict, "succeeded", 0 },
        { JobSetup.Cancelled, Op.Delete, HttpStatusCode.NoContent, "cancelled", 0 },
        { JobSetup.Queued, Op.Requeue, HttpStatusCode.OK, "queued", 0 },
        { JobSetup.Running, Op.Requeue, HttpStatusCode.OK, "running", 0 },
        { JobSetup.RunningCancelRequested, Op.Requeue, HttpStatusCode.OK, "running", 0 },
        { JobSetup.Succeeded, Op.Requeue, HttpStatusCode.Conflict, "succeeded", 0 },
        { JobSetup.Failed, Op.Requeue, HttpStatusCode.OK, "queued", 1 },
        { JobSetup.Cancelled, Op.Requeue, HttpStatusCode.Conflict, "cancelled", 0 },
        { JobSetup.Queued, Op.Retry, HttpStatusCode.Conflict, "queued", 0 },
        { JobSetup.Running, Op.Retry, HttpStatusCode.Conflict, "running", 0 },
        { JobSetup.Succeeded, Op.Retry, HttpStatusCode.Conflict, "succeeded", 0 },
        { JobSetup.Failed, Op.Retry, HttpStatusCode.Created, "failed", 1 },
        { JobSetup.Cancelled, Op.Retry, HttpStatusCode.Conflict, "cancelled", 0 },
    };

    [Theory]
    [MemberData(nameof(Transitions))]
    public async Task Operations_in_every_status_follow_the_status_machine(JobSetup setup, Op op, HttpStatusCode expected, string statusAfter, int newEvents)
    {
        var id = await JobStates.ArrangeAsync(server, setup);
        var eventsBefore = await Db.EventCountAsync(id);
        var updatedBefore = await Db.UpdatedAtAsync(id);

        var (status, body, text) = await Send(op, id);

        Assert.True(expected == status, $"{op} of a {setup} job answered {status}: {text}");
        Assert.Equal(statusAfter, await Db.StatusAsync(id));
        Assert.Equal(eventsBefore + newEvents, await Db.EventCountAsync(id));
        var updatedAfter = await Db.UpdatedAtAsync(id);
        if (newEvents > 0) Assert.True(updatedAfter > updatedBefore, "an applied change moves updated_at");
        else Assert.Equal(updatedBefore, updatedAfter);

        if (status == HttpStatusCode.Conflict)
        {
            Assert.Equal(409, body!["status"]!.GetValue<int>());
            Assert.False(string.IsNullOrEmpty(body["detail"]!.GetValue<string>()));
        }
        if (op == Op.Cancel && setup == JobSetup.Running)
        {
            Assert.NotNull(body!["cancel_requested_at"]);
            Assert.False(body["links"]!.AsObject().ContainsKey("cancel"), "no cancel link once a cancel is requested");
        }
    }

    [Fact]
    public async Task Cancel_of_a_succeeded_job_says_only_queued_or_running_jobs_can_be_cancelled()
    {
        var id = await JobStates.ArrangeAsync(server, JobSetup.Succeeded);
        var (_, body, _) = await Send(Op.Cancel, id);
        Assert.Equal("Only queued or running jobs can be cancelled.", body!["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task Retry_as_new_copies_the_configuration_links_both_ways_and_repeats_idempotently()
    {
        var id = await JobStates.ArrangeAsync(server, JobSetup.Failed);

        var (first, created, _) = await Client.SendAsync(HttpMethod.Post, $"/api/v1/jobs/{id}/retry",
            """{"config_override":{"priority":7}}""");
        var (second, again, _) = await Client.SendAsync(HttpMethod.Post, $"/api/v1/jobs/{id}/retry");

        Assert.Equal(HttpStatusCode.Created, first);
        Assert.Equal(HttpStatusCode.OK, second);
        var retryId = created!.Id();
        Assert.Equal(retryId, again!.Id());
        Assert.Equal(id.ToString(), created!["retry_of"]!.GetValue<string>());
        Assert.Equal(7, created["priority"]!.GetValue<int>());
        Assert.Equal("queued", created.Status());
        Assert.Equal(1, await Db.CountAsync("jobs", "retry_of = @id", id));
        Assert.Equal(1, await Db.EventCountAsync(retryId));

        var original = await Client.GetJobAsync(id);
        Assert.Equal("failed", original!.Status());
        Assert.Equal(retryId.ToString(), original!["retried_by"]!.GetValue<string>());
        Assert.False(original["links"]!.AsObject().ContainsKey("retry"));
        Assert.True(original["links"]!.AsObject().ContainsKey("retried_by"));
    }

    [Fact]
    public async Task Create_writes_a_queued_row_and_one_created_event_and_answers_with_its_location()
    {
        using var response = await Client.PostAsync("/api/v1/jobs",
            new StringContent("""{"type":"noop","source_type":"json_api","priority":3,"metadata":{"a":1},"dataset":"d1"}""",
                System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var job = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal($"/api/v1/jobs/{job.Id()}", response.Headers.Location?.ToString());
        Assert.Equal("queued", await Db.StatusAsync(job.Id()));
        Assert.Equal(1, await Db.EventCountAsync(job.Id()));
        Assert.Equal(1, job["metadata"]!["a"]!.GetValue<int>());
        Assert.Equal("d1", job["dataset"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_same_idempotency_key_returns_the_same_job_and_another_body_is_a_conflict()
    {
        var key = Guid.NewGuid().ToString();
        var headers = new Dictionary<string, string> { ["Idempotency-Key"] = key };
        var (first, a, _) = await Client.SendAsync(HttpMethod.Post, "/api/v1/jobs", """{"type":"noop","priority":1}""", headers: headers);
        var (second, b, _) = await Client.SendAsync(HttpMethod.Post, "/api/v1/jobs", """{"type":"noop","priority":1}""", headers: headers);
        var (third, _, _) = await Client.SendAsync(HttpMethod.Post, "/api/v1/jobs", """{"type":"noop","priority":2}""", headers: headers);

        Assert.Equal(HttpStatusCode.Created, first);
        Assert.Equal(HttpStatusCode.OK, second);
        Assert.Equal(HttpStatusCode.Conflict, third);
        Assert.Equal(a!.Id(), b!.Id());
        Assert.Equal(1, await Db.EventCountAsync(a!.Id()));
    }

    [Fact]
    public async Task Batch_create_inserts_every_job_in_request_order()
    {
        var body = new JsonObject
        {
            ["jobs"] = new JsonArray(Enumerable.Range(0, 25).Select(i => (JsonNode)new JsonObject { ["type"] = "noop", ["mode"] = $"m{i}" }).ToArray()),
        };
        var (status, created, text) = await Client.SendAsync(HttpMethod.Post, "/api/v1/jobs/batch", body.ToJsonString());

        Assert.True(status == HttpStatusCode.Created, text);
        var ids = created!["ids"]!.AsArray().Select(n => Guid.Parse(n!.GetValue<string>())).ToList();
        Assert.Equal(25, ids.Distinct().Count());
        Assert.Equal("m24", created["items"]![24]!["mode"]!.GetValue<string>());
        foreach (var id in ids) Assert.Equal("queued", await Db.StatusAsync(id));
    }

    [Fact]
    public async Task Events_come_oldest_first_and_tell_the_whole_story()
    {
        var id = await JobStates.ArrangeAsync(server, JobSetup.Failed);
        await Send(Op.Requeue, id);

        var (_, body, _) = await Client.SendAsync(HttpMethod.Get, $"/api/v1/jobs/{id}/events");
        var events = body!["items"]!.AsArray();
        Assert.Equal(["created", "started", "failed", "requeued"], events.Select(e => e!["type"]!.GetValue<string>()));
        Assert.Equal([null, "queued", "running", "failed"], events.Select(e => e!["from_status"]?.GetValue<string>()));
        Assert.Equal(["queued", "running", "failed", "queued"], events.Select(e => e!["to_status"]!.GetValue<string>()));
        var ids = events.Select(e => e!["id"]!.GetValue<long>()).ToList();
        Assert.Equal(ids.Order(), ids);
    }

    [Fact]
    public async Task Unknown_ids_are_404_problems_on_every_route()
    {
        var id = Guid.NewGuid();
        foreach (var (method, path) in new[]
        {
            (HttpMethod.Get, $"/api/v1/jobs/{id}"), (HttpMethod.Get, $"/api/v1/jobs/{id}/events"),
            (HttpMethod.Delete, $"/api/v1/jobs/{id}"), (HttpMethod.Post, $"/api/v1/jobs/{id}/cancel"),
            (HttpMethod.Post, $"/api/v1/jobs/{id}/retry"), (HttpMethod.Post, $"/api/v1/jobs/{id}/requeue"),
        })
        {
            var (status, body, _) = await Client.SendAsync(method, path);
            Assert.Equal(HttpStatusCode.NotFound, status);
            Assert.Equal(404, body!["status"]!.GetValue<int>());
        }
    }

    [Fact]
    public async Task List_filters_by_status_type_source_type_and_dataset()
    {
        var tag = "ds" + Guid.NewGuid().ToString("N")[..8];
        var a = (await Client.CreateJobAsync(new { type = "noop", source_type = "csv_upload", dataset = tag })).Id();
        var b = (await Client.CreateJobAsync(new { type = "sleep", source_type = "json_api", dataset = tag })).Id();
        var c = (await Client.CreateJobAsync(new { type = "fail", source_type = "json_api", dataset = tag })).Id();
        await Send(Op.Cancel, c);

        Assert.Equal([a, b, c], await IdsAsync($"dataset={tag}&sort_order=asc"));
        Assert.Equal([b], await IdsAsync($"dataset={tag}&type=sleep"));
        Assert.Equal([b, c], await IdsAsync($"dataset={tag}&source_type=json_api&sort_order=asc"));
        Assert.Equal([c], await IdsAsync($"dataset={tag}&status=cancelled"));
        Assert.Equal([a, b], await IdsAsync($"dataset={tag}&status=queued,running&sort_order=asc"));
        var (_, body, _) = await Client.SendAsync(HttpMethod.Get, $"/api/v1/jobs?dataset={tag}&status=queued");
        Assert.Equal(2, body!["total"]!.GetValue<long>());
    }

    public static TheoryData<string, string> Sorts => new()
    {
        { "created_at", "asc" }, { "created_at", "desc" }, { "submitted_at", "desc" }, { "updated_at", "asc" },
        { "updated_at", "desc" }, { "scheduled_at", "asc" }, { "scheduled_at", "desc" }, { "priority", "asc" },
        { "priority", "desc" }, { "status", "asc" }, { "status", "desc" }, { "type", "asc" }, { "type", "desc" },
    };

    [Theory]
    [MemberData(nameof(Sorts))]
    public async Task List_sorts_by_every_whitelisted_field_and_cursor_paging_visits_each_row_once(string sortBy, string order)
    {
        var tag = "ds" + Guid.NewGuid().ToString("N")[..8];
        string[] types = ["noop", "sleep", "fail"];
        var ids = new List<Guid>();
        for (var i = 0; i < 7; i++)
        {
            ids.Add((await Client.CreateJobAsync(new { type = types[i % 3], priority = i % 4, dataset = tag,
                scheduled_at = DateTimeOffset.UtcNow.AddMinutes(10 - i).ToString("O") })).Id());
            Milliseconds.Next();
        }
        await Send(Op.Cancel, ids[2]);
        Milliseconds.Next();
        await Send(Op.Cancel, ids[5]);

        var (_, all, _) = await Client.SendAsync(HttpMethod.Get, $"/api/v1/jobs?dataset={tag}&sort_by={sortBy}&sort_order={order}&limit=100");
        var items = all!["items"]!.AsArray().Select(n => n!).ToList();
        Assert.Equal(7, items.Count);
        var field = sortBy == "submitted_at" ? "created_at" : sortBy;
        var expected = order == "asc"
            ? items.OrderBy(j => SortKey(j, field), StringComparer.Ordinal).ThenBy(j => j["id"]!.GetValue<string>(), StringComparer.Ordinal)
            : items.OrderByDescending(j => SortKey(j, field), StringComparer.Ordinal).ThenByDescending(j => j["id"]!.GetValue<string>(), StringComparer.Ordinal);
        Assert.Equal(expected.Select(j => j.Id()), items.Select(j => j.Id()));

        var paged = new List<Guid>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var query = $"dataset={tag}&sort_by={sortBy}&sort_order={order}&limit=3" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}");
            var (status, page, text) = await Client.SendAsync(HttpMethod.Get, "/api/v1/jobs?" + query);
            Assert.True(status == HttpStatusCode.OK, text);
            paged.AddRange(page!["items"]!.AsArray().Select(n => n!.Id()));
            cursor = page["next_cursor"]?.GetValue<string>();
            pages++;
        }
        while (cursor is not null && pages < 10);
        Assert.Equal(items.Select(j => j.Id()), paged);
    }

    [Fact]
    public async Task Offset_pages_cover_the_list_without_overlap()
    {
        var tag = "ds" + Guid.NewGuid().ToString("N")[..8];
        for (var i = 0; i < 5; i++) await Client.CreateJobAsync(new { type = "noop", dataset = tag });
        var first = await IdsAsync($"dataset={tag}&limit=2&page=1");
        var second = await IdsAsync($"dataset={tag}&limit=2&page=2");
        var third = await IdsAsync($"dataset={tag}&limit=2&page=3");
        Assert.Equal(5, first.Concat(second).Concat(third).Distinct().Count());
        Assert.Single(third);
    }

    private static string SortKey(JsonNode job, string field) => field switch
    {
        // Fixed-width so ordinal order is numeric order (priorities here are 0-3; timestamps are fixed-width text).
        "priority" => job[field]!.GetValue<int>().ToString("D6"),
        _ => job[field]!.GetValue<string>(),
    };

    private async Task<List<Guid>> IdsAsync(string query)
    {
        var (status, body, text) = await Client.SendAsync(HttpMethod.Get, "/api/v1/jobs?" + query);
        Assert.True(status == HttpStatusCode.OK, text);
        return body!["items"]!.AsArray().Select(n => n!.Id()).ToList();
    }

    private Task<(HttpStatusCode Status, JsonNode? Body, string Text)> Send(Op op, Guid id) => op switch
    {
        Op.Cancel => Client.SendAsync(HttpMethod.Post, $"/api/v1/jobs/{id}/cancel"),
        Op.Delete => Client.SendAsync(HttpMethod.Delete, $"/api/v1/jobs/{id}"),
        Op.Requeue => Client.SendAsync(HttpMethod.Post, $"/api/v1/jobs/{id}/requeue"),
        Op.Retry => Client.SendAsync(HttpMethod.Post, $"/api/v1/jobs/{id}/retry"),
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };
}
