using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Conveyor.Tests.Infrastructure;

namespace Conveyor.Tests.Seeds;

public sealed class SqliteAdminJobsApiTests(SqliteServerFixture fixture) : AdminJobsApiContract(fixture.Server), IClassFixture<SqliteServerFixture>;

public sealed class PostgresAdminJobsApiTests(PostgresServerFixture fixture) : AdminJobsApiContract(fixture.Server), IClassFixture<PostgresServerFixture>;

/// <summary>Seeds 000/001's admin jobs routes: the queue's fields and words, and retry/cancel that are idempotent.</summary>
public abstract class AdminJobsApiContract(TestServer server)
{
    private HttpClient Client => server.Client;

    private static readonly string[] Keys = ["id", "session_id", "type", "status", "updated_at", "synthetic"];

    public static TheoryData<JobSetup, string> Words => new()
    {
        { JobSetup.Queued, "queued" },
        { JobSetup.Running, "running" },
        { JobSetup.Succeeded, "succeeded" },
        { JobSetup.Failed, "failed" },
        { JobSetup.Cancelled, "cancelled" },
    };

    [Theory]
    [MemberData(nameof(Words))]
    public async Task The_queue_lists_each_job_with_exactly_the_seeds_fields(JobSetup setup, string word)
    {
        var id = await JobStates.ArrangeAsync(server, setup);
        var row = await RowAsync(id);
        Assert.Equal(Keys, row.AsObject().Select(p => p.Key));
        Assert.Equal(word, row["status"]!.GetValue<string>());
        Assert.Equal("noop", row["type"]!.GetValue<string>());
        Assert.Equal(JsonValueKind.Null, row["session_id"]?.GetValueKind() ?? JsonValueKind.Null);
        Assert.False(row["synthetic"]!.GetValue<bool>());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", row["updated_at"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_queue_is_most_recently_updated_first_and_pages_with_a_cursor()
    {
        var tag = "admin" + Guid.NewGuid().ToString("N")[..8];
        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await Client.CreateJobAsync(new { type = "fail", dataset = tag })).Id());
            Milliseconds.Next();
        }
        // Touching the oldest makes it the most recently updated.
        await Client.SendAsync(HttpMethod.Post, $"/admin/jobs/{ids[0]}/cancel");

        var (status, page, text) = await Client.SendAsync(HttpMethod.Get, "/admin/jobs?type=fail&limit=2");
        Assert.True(status == HttpStatusCode.OK, text);
        Assert.Equal(["items", "total", "limit", "next_cursor"], page!.AsObject().Select(p => p.Key));
        var first = Ids(page);
        Assert.Equal(ids[0], first[0]);
        var cursor = page["next_cursor"]!.GetValue<string>();
        var (nextStatus, next, nextText) = await Client.SendAsync(HttpMethod.Get, $"/admin/jobs?type=fail&limit=2&cursor={Uri.EscapeDataString(cursor)}");
        Assert.True(nextStatus == HttpStatusCode.OK, nextText);
        Assert.Empty(Ids(next!).Intersect(first));
    }

    [Fact]
    public async Task A_first_retry_moves_updated_at_and_appends_one_event_and_a_repeat_changes_nothing()
    {
        var id = await JobStates.ArrangeAsync(server, JobSetup.Failed);
        var before = await RowAsync(id);
        var events = await EventCountAsync(id);
        Milliseconds.Next();

        var (status, first, _) = await Client.SendAsync(HttpMethod.Post, $"/admin/jobs/{id}/retry");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("queued", first!["status"]!.GetValue<string>());
        Assert.NotEqual(before["updated_at"]!.GetValue<string>(), first["updated_at"]!.GetValue<string>());
        Assert.Equal(events + 1, await EventCountAsync(id));

        var (again, repeat, _) = await Client.SendAsync(HttpMethod.Post, $"/admin/jobs/{id}/retry");
        Assert.Equal(HttpStatusCode.OK, again);
        Assert.Equal(first.ToJsonString(), repeat!.ToJsonString());
        Assert.Equal(events + 1, await EventCountAsync(id));
    }

    [Fact]
    public async Task A_first_cancel_moves_updated_at_and_appends_one_event_and_a_repeat_changes_nothing()
    {
        var id = (await Client.CreateJobAsync(new { type = "noop", scheduled_at = DateTimeOffset.UtcNow.AddHours(1).ToString("O") })).Id();
        var before = await RowAsync(id);
        Milliseconds.Next();

        var (status, first, _) = await Client.SendAsync(HttpMethod.Post, $"/admin/jobs/{id}/cancel");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("cancelled", first!["status"]!.GetValue<string>());
        Assert.NotEqual(before["updated_at"]!.GetValue<string>(), first["updated_at"]!.GetValue<string>());
        Assert.Equal(2, await EventCountAsync(id));

        var (again, repeat, _) = await Client.SendAsync(HttpMethod.Post, $"/admin/jobs/{id}/cancel");
        Assert.Equal(HttpStatusCode.OK, again);
        Assert.Equal(first.ToJsonString(), repeat!.ToJsonString());
        Assert.Equal(2, await EventCountAsync(id));
    }

    [Theory]
    [InlineData(JobSetup.Succeeded, "retry")]
    [InlineData(JobSetup.Cancelled, "retry")]
    [InlineData(JobSetup.Succeeded, "cancel")]
    [InlineData(JobSetup.Failed, "cancel")]
    public async Task An_operation_the_state_does_not_allow_is_a_409_problem(JobSetup setup, string action)
    {
        var id = await JobStates.ArrangeAsync(server, setup);
        var (status, problem, _) = await Client.SendAsync(HttpMethod.Post, $"/admin/jobs/{id}/{action}");
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal(409, problem!["status"]!.GetValue<int>());
        Assert.False(string.IsNullOrEmpty(problem["detail"]!.GetValue<string>()));
    }

    private async Task<JsonNode> RowAsync(Guid id)
    {
        // The job is the most recently updated one of its kind a moment after it was arranged.
        string? cursor = null;
        while (true)
        {
            var (status, page, text) = await Client.SendAsync(HttpMethod.Get,
                "/admin/jobs?limit=100" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)));
            Assert.True(status == HttpStatusCode.OK, text);
            var row = page!["items"]!.AsArray().FirstOrDefault(r => r!["id"]!.GetValue<string>() == id.ToString());
            if (row is not null) return row;
            cursor = page["next_cursor"]?.GetValue<string>() ?? throw new Xunit.Sdk.XunitException($"job {id} is not in the queue");
        }
    }

    private async Task<int> EventCountAsync(Guid id)
    {
        var (_, events, _) = await Client.SendAsync(HttpMethod.Get, $"/api/v1/jobs/{id}/events");
        return events!["items"]!.AsArray().Count;
    }

    private static List<Guid> Ids(JsonNode page) => page["items"]!.AsArray().Select(r => Guid.Parse(r!["id"]!.GetValue<string>())).ToList();
}
