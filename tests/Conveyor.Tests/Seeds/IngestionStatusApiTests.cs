using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Conveyor.Auth;
using Conveyor.Tests.Infrastructure;

namespace Conveyor.Tests.Seeds;

public sealed class SqliteIngestionStatusApiTests() : IngestionStatusApiContract(Provider.Sqlite);

public sealed class PostgresIngestionStatusApiTests() : IngestionStatusApiContract(Provider.Postgres);

/// <summary>Seed 003's routes: recent jobs, one job with its safe error, and the audited operator retry, on both stores.</summary>
public abstract class IngestionStatusApiContract(Provider provider) : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await TestServer.StartAsync(provider, new Dictionary<string, string> { ["Conveyor:Auth:DeniedFlushSeconds"] = "1" });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private HttpClient Admin => _server.Client;

    public static TheoryData<JobSetup, string, bool> States => new()
    {
        { JobSetup.Queued, "queued", false },
        { JobSetup.Running, "running", false },
        { JobSetup.Succeeded, "succeeded", false },
        { JobSetup.Failed, "failed", true },
        { JobSetup.Cancelled, "cancelled", false },
    };

    [Theory]
    [MemberData(nameof(States))]
    public async Task A_job_shows_its_state_in_the_core_words_and_whether_it_can_be_retried(JobSetup setup, string word, bool retryable)
    {
        var id = await JobStates.ArrangeAsync(_server, setup);
        var (status, job, _) = await Admin.SendAsync(HttpMethod.Get, $"/api/ingestion/jobs/{id}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(id.ToString(), job!["id"]!.GetValue<string>());
        Assert.Equal(word, job["status"]!.GetValue<string>());
        Assert.Equal(retryable, job["retryable"]!.GetValue<bool>());
        Assert.False(job["synthetic"]!.GetValue<bool>());
        if (setup == JobSetup.Failed)
        {
            Assert.Equal("boom", job["error"]!["message"]!.GetValue<string>());
            Assert.Equal("ref1", job["error"]!["reference"]!.GetValue<string>());
        }
        else
        {
            Assert.Equal(JsonValueKind.Null, job["error"]?.GetValueKind() ?? JsonValueKind.Null);
        }
    }

    [Fact]
    public async Task The_list_is_most_recent_first_filters_by_status_and_pages_with_a_cursor()
    {
        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await JobStates.ArrangeAsync(_server, JobSetup.Failed));
            Milliseconds.Next();
        }
        await JobStates.ArrangeAsync(_server, JobSetup.Queued);

        var (status, page, _) = await Admin.SendAsync(HttpMethod.Get, "/api/ingestion/jobs?status=failed&limit=2");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal([ids[2], ids[1]], page!["items"]!.AsArray().Select(j => Guid.Parse(j!["id"]!.GetValue<string>())));
        var cursor = page["next_cursor"]!.GetValue<string>();
        var (_, next, _) = await Admin.SendAsync(HttpMethod.Get, $"/api/ingestion/jobs?status=failed&limit=2&cursor={Uri.EscapeDataString(cursor)}");
        Assert.Equal([ids[0]], next!["items"]!.AsArray().Select(j => Guid.Parse(j!["id"]!.GetValue<string>())));
        Assert.Null(next["next_cursor"]);

        var (bad, problem, _) = await Admin.SendAsync(HttpMethod.Get, "/api/ingestion/jobs?sort_by=type");
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        Assert.NotNull(problem!["errors"]!["sort_by"]);
    }

    [Fact]
    public async Task An_operators_retry_requeues_the_job_and_its_audit_id_is_in_the_answer_the_job_event_and_the_audit_log()
    {
        var id = await JobStates.ArrangeAsync(_server, JobSetup.Failed);
        var operatorClient = _server.NewClient(await CreateKeyAsync(Roles.Operator));

        var (status, retry, text) = await operatorClient.SendAsync(HttpMethod.Post, $"/api/ingestion/jobs/{id}/retry");
        Assert.True(status == HttpStatusCode.OK, text);
        Assert.Equal("queued", retry!["job"]!["status"]!.GetValue<string>());
        Assert.Equal("applied", retry["outcome"]!.GetValue<string>());
        var auditId = retry["audit_id"]!.GetValue<string>();

        var (_, events, _) = await Admin.SendAsync(HttpMethod.Get, $"/api/v1/jobs/{id}/events");
        var last = events!["items"]!.AsArray().Last()!;
        Assert.Equal("queued", last["to_status"]!.GetValue<string>());
        Assert.Equal(auditId, last["audit_id"]!.GetValue<string>());

        var (_, audit, _) = await Admin.SendAsync(HttpMethod.Get, $"/api/v1/audit?action=ingestion.retry&target={id}");
        var entry = Assert.Single(audit!["items"]!.AsArray())!;
        Assert.Equal(auditId, entry["id"]!.GetValue<string>());
        Assert.Equal("applied", entry["outcome"]!.GetValue<string>());

        // Repeated while queued: 200, unchanged, no new job event, audited as no_op.
        var (again, repeat, _) = await operatorClient.SendAsync(HttpMethod.Post, $"/api/ingestion/jobs/{id}/retry");
        Assert.Equal(HttpStatusCode.OK, again);
        Assert.Equal("no_op", repeat!["outcome"]!.GetValue<string>());
        var (_, after, _) = await Admin.SendAsync(HttpMethod.Get, $"/api/v1/jobs/{id}/events");
        Assert.Equal(events["items"]!.AsArray().Count, after!["items"]!.AsArray().Count);
    }

    [Fact]
    public async Task A_retry_of_a_succeeded_job_is_a_409_and_of_an_unknown_job_a_404()
    {
        var succeeded = await JobStates.ArrangeAsync(_server, JobSetup.Succeeded);
        var (conflict, problem, _) = await Admin.SendAsync(HttpMethod.Post, $"/api/ingestion/jobs/{succeeded}/retry");
        Assert.Equal(HttpStatusCode.Conflict, conflict);
        Assert.Equal(409, problem!["status"]!.GetValue<int>());
        var (missing, _, _) = await Admin.SendAsync(HttpMethod.Post, $"/api/ingestion/jobs/{Guid.NewGuid()}/retry");
        Assert.Equal(HttpStatusCode.NotFound, missing);
    }

    [Theory]
    [InlineData(Roles.Viewer)]
    [InlineData(Roles.Submitter)]
    public async Task A_viewer_or_submitter_may_not_retry_and_the_denial_is_audited(string role)
    {
        var id = await JobStates.ArrangeAsync(_server, JobSetup.Failed);
        var key = await CreateKeyAsync(role);
        var (status, problem, _) = await _server.NewClient(key).SendAsync(HttpMethod.Post, $"/api/ingestion/jobs/{id}/retry");
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal(403, problem!["status"]!.GetValue<int>());

        var (_, job, _) = await Admin.SendAsync(HttpMethod.Get, $"/api/ingestion/jobs/{id}");
        Assert.Equal("failed", job!["status"]!.GetValue<string>());
        var actor = "key:" + ApiKeyGenerator.PrefixOf(key);
        await Eventually.WaitAsync(async () => (await Admin.SendAsync(HttpMethod.Get, "/api/v1/audit?action=auth.denied&limit=200")).Body!["items"]!.AsArray(),
            items => items.Any(e => e!["actor"]!.GetValue<string>() == actor && e["outcome"]!.GetValue<string>() == "denied"),
            TimeSpan.FromSeconds(20), "the auth.denied event of the refused retry");
    }

    private async Task<string> CreateKeyAsync(string role)
    {
        var (status, body, text) = await Admin.SendAsync(HttpMethod.Post, "/api/v1/keys", JsonSerializer.Serialize(new { name = "seed 003 " + role, role }));
        Assert.True(status == HttpStatusCode.Created, text);
        return body!["key"]!.GetValue<string>();
    }
}
