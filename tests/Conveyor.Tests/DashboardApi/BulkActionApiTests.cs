using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Conveyor.Auth;
using Conveyor.Tests.Infrastructure;

namespace Conveyor.Tests.DashboardApi;

public sealed class SqliteBulkActionApiTests(SqliteDashboardServer fixture) : BulkActionApi(fixture.Server), IClassFixture<SqliteDashboardServer>;

public sealed class PostgresBulkActionApiTests(PostgresDashboardServer fixture) : BulkActionApi(fixture.Server), IClassFixture<PostgresDashboardServer>;

/// <summary><c>POST /api/v1/jobs/bulk</c> on both stores: the count first, then every match changed, one audit event.</summary>
public abstract class BulkActionApi(TestServer server)
{
    private static string Token() => "b" + Guid.NewGuid().ToString("N")[..10];

    private Task<(HttpStatusCode Status, JsonNode? Body, string Text)> BulkAsync(object body, HttpClient? client = null) =>
        (client ?? server.Client).SendAsync(HttpMethod.Post, "/api/v1/jobs/bulk", JsonSerializer.Serialize(body));

    [Fact]
    public async Task Cancel_over_a_filter_counts_then_cancels_all_5000_matches_with_an_event_each_and_one_audit_event()
    {
        var token = Token();
        var matching = await server.CreateJobsAsync(5000, token);
        var other = await server.CreateJobsAsync(3, token + "x");
        var filter = new { status = new[] { "queued" }, dataset = token };

        var (dryStatus, dry, dryText) = await BulkAsync(new { action = "cancel", filter, dry_run = true });
        Assert.True(dryStatus == HttpStatusCode.OK, dryText);
        Assert.Equal(5000, dry!["matched"]!.GetValue<long>());
        Assert.True(dry["dry_run"]!.GetValue<bool>());
        Assert.Equal(5000, await server.Database.CountAsync("jobs", $"dataset = '{token}' AND status = 'queued'"));

        var (status, done, text) = await BulkAsync(new { action = "cancel", filter });

        Assert.True(status == HttpStatusCode.OK, text);
        Assert.Equal((5000L, 5000L, 0L, 0L), (done!["matched"]!.GetValue<long>(), done["changed"]!.GetValue<long>(),
            done["unchanged"]!.GetValue<long>(), done["rejected"]!.GetValue<long>()));
        Assert.Equal(5000, await server.Database.CountAsync("jobs", $"dataset = '{token}' AND status = 'cancelled'"));
        Assert.Equal(3, await server.Database.CountAsync("jobs", $"dataset = '{token}x' AND status = 'queued'"));
        var audit = Assert.Single(await server.AuditAsync("action=job.bulk&limit=200"),
            e => e!["details"]!["filter"]?["dataset"]?.GetValue<string>() == token);
        Assert.Equal("applied", audit!["outcome"]!.GetValue<string>());
        Assert.Equal(5000, audit["details"]!["count"]!.GetValue<long>());
        Assert.Equal("cancel", audit["details"]!["action"]!.GetValue<string>());
        Assert.Equal(["queued"], audit["details"]!["filter"]!["status"]!.AsArray().Select(s => s!.GetValue<string>()));
        // Every job: its own cancelled event, carrying the action's audit id.
        var auditId = audit["id"]!.GetValue<string>();
        Assert.Equal(5000, await server.Database.CountAsync("job_events",
            $"type = 'cancelled' AND audit_id = '{auditId}' AND job_id IN (SELECT id FROM jobs WHERE dataset = '{token}')"));
        Assert.Equal(5000, await server.Database.CountAsync("job_events",
            $"type = 'cancelled' AND job_id IN (SELECT id FROM jobs WHERE dataset = '{token}')"));
        Assert.Equal(other.Count, await server.Database.CountAsync("job_events",
            $"job_id IN (SELECT id FROM jobs WHERE dataset = '{token}x')"));

        // Again: nothing matches any more.
        var (_, again, _) = await BulkAsync(new { action = "cancel", filter });
        Assert.Equal((0L, 0L), (again!["matched"]!.GetValue<long>(), again["changed"]!.GetValue<long>()));
    }

    [Fact]
    public async Task Requeue_and_retry_over_a_search_change_the_failed_jobs_and_count_the_rest()
    {
        var token = Token();
        var failed = new List<Guid>();
        for (var i = 0; i < 3; i++) failed.Add(await ArrangeTaggedAsync(JobSetup.Failed, token));
        var succeeded = await ArrangeTaggedAsync(JobSetup.Succeeded, token);
        var queued = (await server.Client.CreateJobAsync(new { type = "noop", metadata = new { tag = token } })).Id();

        var (status, retried, text) = await BulkAsync(new { action = "retry", filter = new { q = token, status = new[] { "failed" } } });
        Assert.True(status == HttpStatusCode.OK, text);
        Assert.Equal((3L, 3L), (retried!["matched"]!.GetValue<long>(), retried["changed"]!.GetValue<long>()));
        foreach (var id in failed) Assert.Equal(1, await server.Database.CountAsync("jobs", "retry_of = @id", id));

        var (_, requeued, _) = await BulkAsync(new { action = "requeue", filter = new { q = token } });
        // The 3 failed go back to queued, the queued job is already queued, the succeeded one is refused. (The retries copy
        // the originals' empty metadata, so the tag does not find them.)
        Assert.Equal((5L, 3L, 1L, 1L), (requeued!["matched"]!.GetValue<long>(), requeued["changed"]!.GetValue<long>(),
            requeued["unchanged"]!.GetValue<long>(), requeued["rejected"]!.GetValue<long>()));
        foreach (var id in failed) Assert.Equal("queued", await server.Database.StatusAsync(id));
        Assert.Equal("succeeded", await server.Database.StatusAsync(succeeded));
        Assert.Equal("queued", await server.Database.StatusAsync(queued));
    }

    private async Task<Guid> ArrangeTaggedAsync(JobSetup setup, string token)
    {
        var id = await JobStates.ArrangeAsync(server, setup);
        // The arranged job is a plain noop; the tag goes into the search index as a job created with it would.
        await server.Database.ExecuteAsync($"UPDATE job_search SET document = document || ' {token}' WHERE job_id = '{id}'");
        return id;
    }

    [Fact]
    public async Task A_viewer_and_a_submitter_are_refused_with_a_denied_audit_event_and_nothing_changes()
    {
        var token = Token();
        var ids = await server.CreateJobsAsync(4, token);
        var viewer = await server.CreateKeyAsync(Roles.Viewer);
        var submitter = await server.CreateKeyAsync(Roles.Submitter);

        foreach (var key in new[] { viewer, submitter })
        {
            var (status, body, _) = await BulkAsync(new { action = "cancel", filter = new { dataset = token } }, server.NewClient(key));
            Assert.Equal(HttpStatusCode.Forbidden, status);
            Assert.Equal(403, body!["status"]!.GetValue<int>());
        }

        Assert.Equal(4, await server.Database.CountAsync("jobs", $"dataset = '{token}' AND status = 'queued'"));
        var denied = await Eventually.WaitAsync(() => server.AuditAsync("action=auth.denied&limit=200"),
            items => new[] { viewer, submitter }.All(k => items.Any(e => e!["actor"]!.GetValue<string>() == "key:" + ApiKeyGenerator.PrefixOf(k))),
            TimeSpan.FromSeconds(20), "auth.denied events for both keys");
        Assert.All(denied.Where(e => e!["actor"]!.GetValue<string>() == "key:" + ApiKeyGenerator.PrefixOf(viewer)),
            e => Assert.Equal("denied", e!["outcome"]!.GetValue<string>()));
        Assert.DoesNotContain(await server.AuditAsync("action=job.bulk&limit=200"), e => e!["details"]?["filter"]?["dataset"]?.GetValue<string>() == token);
    }

    [Theory]
    [InlineData("""{"action":"delete","filter":{}}""", "action")]
    [InlineData("""{"filter":{}}""", "action")]
    [InlineData("""{"action":"cancel","filter":{"status":["done"]}}""", "filter.status")]
    [InlineData("""{"action":"cancel","filter":{"q":"ab"}}""", "filter.q")]
    [InlineData("""{"action":"cancel","filter":{"session_id":"x"}}""", "filter.session_id")]
    [InlineData("""{"action":"cancel","filter":{"limit":5}}""", "filter.limit")]
    public async Task A_bad_action_or_filter_is_a_validation_problem_and_a_rejected_audit_event(string body, string field)
    {
        var before = (await server.AuditAsync("action=job.bulk&limit=200")).Count(e => e!["outcome"]!.GetValue<string>() == "rejected");

        var (status, problem, text) = await server.Client.SendAsync(HttpMethod.Post, "/api/v1/jobs/bulk", body);

        Assert.True(status == HttpStatusCode.BadRequest, text);
        Assert.NotNull(problem!["errors"]![field]);
        var after = (await server.AuditAsync("action=job.bulk&limit=200")).Count(e => e!["outcome"]!.GetValue<string>() == "rejected");
        Assert.Equal(before + 1, after);
    }
}
