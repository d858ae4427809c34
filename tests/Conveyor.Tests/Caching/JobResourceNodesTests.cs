using System.Net;
using System.Text.Json.Nodes;
using Conveyor.Caching;
using Conveyor.Core;
using Conveyor.Storage;
using Conveyor.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Tests.Caching;

/// <summary>
/// <c>GET /api/v1/jobs/{id}</c> through two API nodes on one PostgreSQL and one real Redis, each with its near cache on
/// and its entries kept 10 minutes: only the change's own invalidation can make node B show what node A changed.
/// </summary>
public sealed class JobResourceNodesTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);
    private TestRedis _redis = null!;
    private TestServer _a = null!;
    private TestServer _b = null!;

    public async Task InitializeAsync()
    {
        _redis = await TestRedis.StartAsync();
        _a = await TestServer.StartAsync(Provider.Postgres, new Dictionary<string, string>
        {
            ["Conveyor:Redis:Configuration"] = _redis.Configuration,
            ["Conveyor:Redis:NearTtl"] = "00:10:00",
        });
        _b = await TestServer.StartAsync(Provider.Postgres, new Dictionary<string, string>
        {
            ["Conveyor:Redis:Configuration"] = _redis.Configuration,
            ["Conveyor:Redis:NearTtl"] = "00:10:00",
            ["ConnectionStrings:Conveyor"] = _a.Database.ConnectionString,
            ["Conveyor:Auth:BootstrapAdminKey"] = _a.AdminKey,
        });
        foreach (var node in new[] { _a, _b })
        {
            var cache = node.Services.GetRequiredService<RedisJobCache>();
            await Eventually.WaitAsync(() => Task.FromResult(cache.NearCacheLive), live => live, TimeSpan.FromSeconds(20), "the near cache on");
        }
    }

    public async Task DisposeAsync()
    {
        await _b.DisposeAsync();
        await _a.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task A_cancel_on_node_A_is_read_on_node_B()
    {
        var id = (await _a.Client.CreateJobAsync(new { type = "noop", scheduled_at = DateTimeOffset.UtcNow.AddHours(1) })).Id();
        var before = await GetAsync(_b, id);
        Assert.Equal("queued", before["status"]!.GetValue<string>());
        Assert.NotNull(before["links"]!["cancel"]);
        Assert.True(await CachedAsync(id), "B's read filled the shared cache");
        Assert.Equal(before.ToJsonString(), (await GetAsync(_b, id)).ToJsonString());

        var (cancel, _, _) = await _a.Client.SendAsync(HttpMethod.Post, $"/api/v1/jobs/{id}/cancel");
        Assert.Equal(HttpStatusCode.OK, cancel);

        Assert.False(await CachedAsync(id), "the change on A deleted the shared entry before its answer");
        var after = await EventuallyAsync(_b, id, j => j["status"]!.GetValue<string>() == "cancelled", "B shows the cancel");
        Assert.Null(after["links"]!["cancel"]);
        Assert.Equal(after.ToJsonString(), (await GetAsync(_a, id)).ToJsonString());
    }

    [Fact]
    public async Task A_retry_on_node_A_gives_the_failed_job_its_retried_by_link_on_node_B()
    {
        var id = await JobStates.ArrangeAsync(_a, JobSetup.Failed);
        var failed = await GetAsync(_b, id);
        Assert.Equal("failed", failed["status"]!.GetValue<string>());
        Assert.Null(failed["retried_by"]);
        Assert.NotNull(failed["links"]!["retry"]);

        var (created, retry, text) = await _a.Client.SendAsync(HttpMethod.Post, $"/api/v1/jobs/{id}/retry");
        Assert.True(created == HttpStatusCode.Created, text);
        var retryId = retry!.Id();

        var linked = await EventuallyAsync(_b, id, j => j["retried_by"] is not null, "B shows retried_by");
        Assert.Equal(retryId.ToString(), linked["retried_by"]!.GetValue<string>());
        Assert.Equal($"/api/v1/jobs/{retryId}", linked["links"]!["retried_by"]!["href"]!.GetValue<string>());
        Assert.Null(linked["links"]!["retry"]);
        Assert.Equal(id.ToString(), (await GetAsync(_b, retryId))["retry_of"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_workers_progress_heartbeat_and_completion_on_node_A_are_read_on_node_B()
    {
        var id = await JobStates.ArrangeAsync(_a, JobSetup.Running);
        var queue = _a.Services.GetRequiredService<IJobQueue>();
        var running = await GetAsync(_b, id);
        Assert.Equal(0, running["records_processed"]!.GetValue<long>());
        var lease = running["lease_expires_at"]!.GetValue<DateTimeOffset>();

        await queue.FlushProgressAsync([new ProgressUpdate(id, 40, 2, 100)], CancellationToken.None);
        var progressed = await EventuallyAsync(_b, id, j => j["records_processed"]!.GetValue<long>() == 40, "B shows the progress");
        Assert.Equal(2, progressed["records_failed"]!.GetValue<long>());
        Assert.Equal(100, progressed["records_total"]!.GetValue<long>());

        await queue.HeartbeatAsync(JobStates.Owner, [id], TimeSpan.FromHours(2), CancellationToken.None);
        var extended = await EventuallyAsync(_b, id, j => j["lease_expires_at"]!.GetValue<DateTimeOffset>() > lease.AddMinutes(30),
            "B shows the extended lease");
        Assert.Equal(JobStates.Owner, extended["lease_owner"]!.GetValue<string>());

        await queue.CompleteAsync(JobStates.Owner, [new Completion(id, JobOperation.Succeed, TransitionInput.None)], CancellationToken.None);
        var done = await EventuallyAsync(_b, id, j => j["status"]!.GetValue<string>() == "succeeded", "B shows the success");
        Assert.Null(done["lease_owner"]);
    }

    [Fact]
    public async Task A_bulk_cancel_on_node_A_is_read_on_node_B_for_every_job()
    {
        var later = DateTimeOffset.UtcNow.AddHours(1);
        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++) ids.Add((await _a.Client.CreateJobAsync(new { type = "noop", dataset = "bulk-cache", scheduled_at = later })).Id());
        foreach (var id in ids) Assert.Equal("queued", (await GetAsync(_b, id))["status"]!.GetValue<string>());

        var (status, body, text) = await _a.Client.SendAsync(HttpMethod.Post, "/api/v1/jobs/bulk",
            """{"action":"cancel","filter":{"dataset":"bulk-cache"}}""");
        Assert.True(status == HttpStatusCode.OK, text);
        Assert.Equal(3, body!["changed"]!.GetValue<int>());

        foreach (var id in ids) await EventuallyAsync(_b, id, j => j["status"]!.GetValue<string>() == "cancelled", "B shows the bulk cancel");
    }

    [Fact]
    public async Task A_job_pruned_by_node_A_is_not_found_on_node_B()
    {
        var id = await JobStates.ArrangeAsync(_a, JobSetup.Succeeded);
        Assert.Equal("succeeded", (await GetAsync(_b, id))["status"]!.GetValue<string>());

        var pruned = await _a.Services.GetRequiredService<IJobRetention>().PruneFinishedAsync(DateTimeOffset.UtcNow.AddDays(1), 1000, true,
            CancellationToken.None);
        Assert.True(pruned.Jobs >= 1);

        await Eventually.WaitAsync(async () => (await _b.Client.SendAsync(HttpMethod.Get, $"/api/v1/jobs/{id}")).Status,
            s => s == HttpStatusCode.NotFound, Bound, "B answers 404 for the pruned job");
    }

    [Fact]
    public async Task With_Redis_stopped_node_B_answers_from_the_store_and_shows_node_As_change()
    {
        var id = (await _a.Client.CreateJobAsync(new { type = "noop", scheduled_at = DateTimeOffset.UtcNow.AddHours(1) })).Id();
        Assert.Equal("queued", (await GetAsync(_b, id))["status"]!.GetValue<string>());
        Assert.Equal("queued", (await GetAsync(_b, id))["status"]!.GetValue<string>());

        await _redis.StopAsync();
        var (cancel, _, _) = await _a.Client.SendAsync(HttpMethod.Post, $"/api/v1/jobs/{id}/cancel");
        Assert.Equal(HttpStatusCode.OK, cancel);

        // B stops answering from memory as soon as it sees its connection to Redis go (the bound documented in
        // docs/operations.md); from then on the store answers.
        await EventuallyAsync(_b, id, j => j["status"]!.GetValue<string>() == "cancelled", "B shows the cancel with Redis away");
        Assert.False(_b.Services.GetRequiredService<RedisJobCache>().NearCacheLive);
        var created = (await _a.Client.CreateJobAsync(new { type = "noop", scheduled_at = DateTimeOffset.UtcNow.AddHours(1) })).Id();
        Assert.Equal("queued", (await GetAsync(_b, created))["status"]!.GetValue<string>());
        var (ready, health, _) = await _b.Anonymous.SendAsync(HttpMethod.Get, "/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready);
        Assert.Equal("degraded", health!["checks"]!["redis"]!["status"]!.GetValue<string>());

        await _redis.StartAgainAsync();
        var cache = _b.Services.GetRequiredService<RedisJobCache>();
        await Eventually.WaitAsync(() => Task.FromResult(cache.NearCacheLive), live => live, TimeSpan.FromSeconds(30), "B's near cache on again");
        Assert.Equal("cancelled", (await GetAsync(_b, id))["status"]!.GetValue<string>());
        Assert.Equal("cancelled", (await GetAsync(_b, id))["status"]!.GetValue<string>());
    }

    private static async Task<JsonNode> GetAsync(TestServer node, Guid id)
    {
        var (status, body, text) = await node.Client.SendAsync(HttpMethod.Get, $"/api/v1/jobs/{id}");
        Assert.True(status == HttpStatusCode.OK, $"GET /api/v1/jobs/{id} answered {status}: {text}");
        return body!;
    }

    private static Task<JsonNode> EventuallyAsync(TestServer node, Guid id, Func<JsonNode, bool> done, string what) =>
        Eventually.WaitAsync(() => GetAsync(node, id), done, Bound, what);

    private async Task<bool> CachedAsync(Guid id)
    {
        await using var look = await _redis.ConnectAsync();
        return await look.GetDatabase().KeyExistsAsync("{conveyor}:job:" + id.ToString("N"));
    }
}
