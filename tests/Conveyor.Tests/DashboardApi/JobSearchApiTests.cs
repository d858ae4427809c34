using System.Net;
using System.Text.Json.Nodes;
using Conveyor.Core;
using Conveyor.Storage;
using Conveyor.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Tests.DashboardApi;

public sealed class SqliteJobSearchApiTests(SqliteServerFixture fixture) : JobSearchApi(fixture.Server), IClassFixture<SqliteServerFixture>;

public sealed class PostgresJobSearchApiTests(PostgresServerFixture fixture) : JobSearchApi(fixture.Server), IClassFixture<PostgresServerFixture>;

/// <summary>
/// <c>GET /api/v1/jobs</c>'s search (<c>q</c>) and the dataset and session filters, on both stores. Each test tags its
/// jobs with a token of its own, so tests sharing a server never see each other's jobs.
/// </summary>
public abstract class JobSearchApi(TestServer server)
{
    private HttpClient Client => server.Client;

    private static string Token() => "t" + Guid.NewGuid().ToString("N")[..10];

    private async Task<JsonNode> ListAsync(string query)
    {
        var (status, body, text) = await Client.SendAsync(HttpMethod.Get, "/api/v1/jobs?" + query);
        Assert.True(status == HttpStatusCode.OK, $"{query} answered {status}: {text}");
        return body!;
    }

    private static Guid[] Ids(JsonNode page) => page["items"]!.AsArray().Select(j => j!.Id()).ToArray();

    [Fact]
    public async Task Search_finds_uploaded_jobs_by_file_name_and_a_job_by_id_prefix()
    {
        var token = Token();
        var (status, body, text) = await Client.UploadAsync(
            [($"{token}-people.csv", "a,b\n1,2\n"u8.ToArray()), ($"{token}-orders.csv", "a,b\n3,4\n"u8.ToArray())],
            new Dictionary<string, string> { ["dataset"] = token });
        Assert.True(status == HttpStatusCode.Created, text);
        var people = body!["items"]!.AsArray().Single(j => j!["file_name"]!.GetValue<string>().EndsWith("people.csv", StringComparison.Ordinal))!.Id();

        var byName = await ListAsync($"q={token}-PEOPLE");
        var byBoth = await ListAsync($"q={token}");
        var byPrefix = await ListAsync($"q={people.ToString()[..23]}");

        Assert.Equal([people], Ids(byName));
        Assert.Equal(1, byName["total"]!.GetValue<long>());
        Assert.Equal(2, Ids(byBoth).Length);
        Assert.Equal([people], Ids(byPrefix));
    }

    [Fact]
    public async Task Search_finds_metadata_text_and_combines_with_dataset_and_session_filters()
    {
        var token = Token();
        var session = Guid.NewGuid();
        // Sessions make their jobs themselves (no API field sets session_id), so this one goes straight to the store.
        var inSession = Guid.CreateVersion7();
        await server.Services.GetRequiredService<IJobAdmin>().CreateAsync(new NewJob
        {
            Id = inSession, Type = "noop", SessionId = session, CreatedBy = "test",
            Metadata = System.Text.Json.JsonDocument.Parse($$"""{"note":"{{token}} lecture"}""").RootElement.Clone(),
        }, AuditContext.System("job.create"), CancellationToken.None);
        var inDataset = (await Client.CreateJobAsync(new { type = "noop", dataset = token, metadata = new { note = $"{token} nightly" } })).Id();
        var neither = (await Client.CreateJobAsync(new { type = "noop", metadata = new { note = $"{token} other" } })).Id();

        Assert.Equal(new[] { inSession, inDataset, neither }.Order(), Ids(await ListAsync($"q={token}")).Order());
        Assert.Equal([inSession], Ids(await ListAsync($"q={token}&session_id={session}")));
        Assert.Equal([inSession], Ids(await ListAsync($"session_id={session}")));
        Assert.Equal([inDataset], Ids(await ListAsync($"dataset={token}")));
        Assert.Equal([inDataset], Ids(await ListAsync($"q={Uri.EscapeDataString(token + " nightly")}&dataset={token}")));
        Assert.Empty(Ids(await ListAsync($"q={Uri.EscapeDataString(token + " nightly")}&session_id={session}")));
    }

    [Fact]
    public async Task Keyset_paging_keeps_the_search_and_filters_in_its_next_link_and_visits_every_match_once()
    {
        var token = Token();
        var expected = new List<Guid>();
        for (var i = 0; i < 7; i++)
        {
            var id = (await Client.CreateJobAsync(new { type = "noop", dataset = i % 2 == 0 ? token : token + "x", metadata = new { tag = token } })).Id();
            if (i % 2 == 0) expected.Add(id);
        }

        var visited = new List<Guid>();
        var page = await ListAsync($"q={token}&dataset={token}&limit=2");
        for (var hops = 0; ; hops++)
        {
            Assert.Equal(4, page["total"]!.GetValue<long>());
            Assert.False(page["total_capped"]!.GetValue<bool>());
            visited.AddRange(Ids(page));
            var next = page["links"]!["next"]?["href"]?.GetValue<string>();
            if (next is null) break;
            Assert.Contains($"q={token}", next);
            Assert.Contains($"dataset={token}", next);
            Assert.True(hops < 5);
            page = (await Client.SendAsync(HttpMethod.Get, next)).Body!;
        }

        Assert.Equal(Enumerable.Reverse(expected), visited);
    }

    [Theory]
    [InlineData("q=ab", "q")]
    [InlineData("q=%20%20ab%20", "q")]
    [InlineData("q=a%01bc", "q")]
    [InlineData("session_id=nope", "session_id")]
    public async Task A_bad_search_or_filter_is_a_validation_problem_naming_it(string query, string field)
    {
        var (status, body, _) = await Client.SendAsync(HttpMethod.Get, "/api/v1/jobs?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.NotNull(body!["errors"]![field]);
    }

    [Fact]
    public async Task The_openapi_document_lists_the_search_and_filter_parameters_of_the_job_list()
    {
        var (_, document, _) = await Client.SendAsync(HttpMethod.Get, "/openapi/v1.json");

        var names = document!["paths"]!["/api/v1/jobs/"]?["get"] ?? document["paths"]!["/api/v1/jobs"]!["get"];
        var parameters = names!["parameters"]!.AsArray().Select(p => p!["name"]!.GetValue<string>()).ToList();
        Assert.Contains("q", parameters);
        Assert.Contains("dataset", parameters);
        Assert.Contains("session_id", parameters);
    }
}
