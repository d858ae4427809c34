using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Conveyor.Tests.Infrastructure;

namespace Conveyor.Tests.Seeds;

public sealed class SqliteStatusApiContractTests(SqliteServerFixture fixture) : StatusApiContract(fixture.Server), IClassFixture<SqliteServerFixture>;

public sealed class PostgresStatusApiContractTests(PostgresServerFixture fixture) : StatusApiContract(fixture.Server), IClassFixture<PostgresServerFixture>;

/// <summary>Seed 002's routes exactly as its client reads them (names, JSON types and words, plus SPEC §7's <c>synthetic</c>), on both stores.</summary>
public abstract class StatusApiContract(TestServer server)
{
    private HttpClient Client => server.Client;

    private static readonly string[] StatusKeys =
        ["job_id", "status", "submitted_at", "started_at", "completed_at", "records_processed", "error", "synthetic"];

    private static readonly string[] SummaryKeys = ["job_id", "status", "submitted_at", "completed_at", "records_processed", "synthetic"];

    public static TheoryData<JobSetup, string> Words => new()
    {
        { JobSetup.Queued, "queued" },
        { JobSetup.Running, "running" },
        { JobSetup.RunningCancelRequested, "running" },
        { JobSetup.Succeeded, "completed" },
        { JobSetup.Failed, "failed" },
        { JobSetup.Cancelled, "cancelled" },
    };

    [Theory]
    [MemberData(nameof(Words))]
    public async Task The_status_payload_has_exactly_the_seeds_keys_and_words(JobSetup setup, string word)
    {
        var id = await JobStates.ArrangeAsync(server, setup);
        var (status, body, text) = await Client.SendAsync(HttpMethod.Get, $"/api/job/{id}");

        Assert.Equal(HttpStatusCode.OK, status);
        var job = body!.AsObject();
        Assert.Equal(StatusKeys, job.Select(p => p.Key));
        Assert.Equal(id.ToString(), job["job_id"]!.GetValue<string>());
        Assert.Equal(word, job["status"]!.GetValue<string>());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", job["submitted_at"]!.GetValue<string>());
        Assert.Equal(JsonValueKind.Number, job["records_processed"]!.GetValueKind());
        Assert.Equal(setup is JobSetup.Queued or JobSetup.Cancelled ? JsonValueKind.Null : JsonValueKind.String,
            Kind(job["started_at"]));
        Assert.Equal(setup is JobSetup.Succeeded or JobSetup.Failed or JobSetup.Cancelled ? JsonValueKind.String : JsonValueKind.Null,
            Kind(job["completed_at"]));
        if (setup == JobSetup.Failed) Assert.Equal("boom", job["error"]!.GetValue<string>());
        else Assert.Null(job["error"]);
        Assert.False(job["synthetic"]!.GetValue<bool>());
        Assert.DoesNotContain("succeeded", text);
    }

    [Fact]
    public async Task An_unknown_job_is_a_404_problem_and_a_bad_id_a_400()
    {
        var (missing, problem, _) = await Client.SendAsync(HttpMethod.Get, $"/api/job/{Guid.NewGuid()}");
        Assert.Equal(HttpStatusCode.NotFound, missing);
        Assert.Equal(404, problem!["status"]!.GetValue<int>());
        Assert.Equal("Not found", problem["title"]!.GetValue<string>());

        var (bad, validation, _) = await Client.SendAsync(HttpMethod.Get, "/api/job/not-a-uuid");
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        Assert.NotNull(validation!["errors"]!["job_id"]);
    }

    [Fact]
    public async Task The_list_is_newest_first_with_results_offset_and_limit_and_pages_by_offset()
    {
        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await JobStates.ArrangeAsync(server, JobSetup.Succeeded));
            Milliseconds.Next();
        }

        var (status, body, _) = await Client.SendAsync(HttpMethod.Get, "/api/jobs?status=completed&limit=2");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["results", "offset", "limit"], body!.AsObject().Select(p => p.Key));
        Assert.Equal(0, body["offset"]!.GetValue<long>());
        Assert.Equal(2, body["limit"]!.GetValue<int>());
        var first = body["results"]!.AsArray();
        Assert.Equal([ids[2], ids[1]], first.Select(r => Guid.Parse(r!["job_id"]!.GetValue<string>())));
        Assert.All(first, r =>
        {
            Assert.Equal(SummaryKeys, r!.AsObject().Select(p => p.Key));
            Assert.Equal("completed", r["status"]!.GetValue<string>());
        });

        var (_, next, _) = await Client.SendAsync(HttpMethod.Get, "/api/jobs?status=completed&limit=2&offset=2");
        Assert.Equal(ids[0], Guid.Parse(next!["results"]![0]!["job_id"]!.GetValue<string>()));
        Assert.Equal(2, next["offset"]!.GetValue<long>());
    }

    [Fact]
    public async Task The_list_defaults_to_twenty_and_filters_by_the_seeds_words()
    {
        var failed = await JobStates.ArrangeAsync(server, JobSetup.Failed);
        var (_, body, _) = await Client.SendAsync(HttpMethod.Get, "/api/jobs");
        Assert.Equal(20, body!["limit"]!.GetValue<int>());
        Assert.True(body["results"]!.AsArray().Count <= 20);

        var (_, onlyFailed, _) = await Client.SendAsync(HttpMethod.Get, "/api/jobs?status=failed&limit=100");
        var results = onlyFailed!["results"]!.AsArray();
        Assert.Contains(results, r => r!["job_id"]!.GetValue<string>() == failed.ToString());
        Assert.All(results, r => Assert.Equal("failed", r!["status"]!.GetValue<string>()));
    }

    [Theory]
    [InlineData("limit=101", "limit")]
    [InlineData("limit=0", "limit")]
    [InlineData("offset=-1", "offset")]
    [InlineData("status=succeeded", "status")]
    [InlineData("sort=desc", "sort")]
    [InlineData("limit=5&limit=6", "limit")]
    public async Task A_bad_list_query_is_a_400_problem_naming_the_parameter(string query, string parameter)
    {
        var (status, problem, _) = await Client.SendAsync(HttpMethod.Get, "/api/jobs?" + query);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(400, problem!["status"]!.GetValue<int>());
        Assert.NotNull(problem["title"]);
        Assert.NotNull(problem["errors"]![parameter]);
    }

    [Fact]
    public async Task A_change_is_visible_to_the_next_read_although_the_status_was_cached()
    {
        var id = (await Client.CreateJobAsync(new { type = "noop" })).Id();
        Assert.Equal("queued", await StatusAsync(id));
        Assert.Equal("queued", await StatusAsync(id));

        await Client.SendAsync(HttpMethod.Post, $"/api/v1/jobs/{id}/cancel");

        Assert.Equal("cancelled", await StatusAsync(id));
    }

    [Fact]
    public async Task Routes_need_a_key()
    {
        var (status, _, _) = await server.Anonymous.SendAsync(HttpMethod.Get, $"/api/job/{Guid.NewGuid()}");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        var (list, _, _) = await server.Anonymous.SendAsync(HttpMethod.Get, "/api/jobs");
        Assert.Equal(HttpStatusCode.Unauthorized, list);
    }

    private async Task<string> StatusAsync(Guid id)
    {
        var (_, body, _) = await Client.SendAsync(HttpMethod.Get, $"/api/job/{id}");
        return body!["status"]!.GetValue<string>();
    }

    private static JsonValueKind Kind(JsonNode? node) => node?.GetValueKind() ?? JsonValueKind.Null;
}
