using System.Net;
using System.Text.Json.Nodes;
using Conveyor.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Tests.Caching;

/// <summary>Two API nodes on one PostgreSQL and one real Redis, as a scaled-out install runs them.</summary>
public sealed class RedisNodesTests : IAsyncLifetime
{
    private TestRedis _redis = null!;
    private TestServer _a = null!;
    private TestServer _b = null!;

    public async Task InitializeAsync()
    {
        _redis = await TestRedis.StartAsync();
        _a = await TestServer.StartAsync(Provider.Postgres, new Dictionary<string, string> { ["Conveyor:Redis:Configuration"] = _redis.Configuration });
        _b = await TestServer.StartAsync(Provider.Postgres, new Dictionary<string, string>
        {
            ["Conveyor:Redis:Configuration"] = _redis.Configuration,
            ["ConnectionStrings:Conveyor"] = _a.Database.ConnectionString,
            ["Conveyor:Auth:BootstrapAdminKey"] = _a.AdminKey,
        });
    }

    public async Task DisposeAsync()
    {
        await _b.DisposeAsync();
        await _a.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task A_job_read_on_node_B_right_after_node_A_changed_it_shows_the_change()
    {
        var id = (await _a.Client.CreateJobAsync(new { type = "noop" })).Id();
        Assert.Equal("queued", await StatusAsync(_b, id));
        Assert.True(await CachedAsync(id), "the read on B filled the shared cache");
        Assert.Equal("queued", await StatusAsync(_a, id));

        var (cancel, _, _) = await _a.Client.SendAsync(HttpMethod.Post, $"/api/v1/jobs/{id}/cancel");
        Assert.Equal(HttpStatusCode.OK, cancel);

        Assert.False(await CachedAsync(id), "the change on A deleted the entry");
        Assert.Equal("cancelled", await StatusAsync(_b, id));
    }

    [Fact]
    public async Task A_workers_change_on_node_A_is_read_on_node_B()
    {
        var id = await JobStates.ArrangeAsync(_a, JobSetup.Running);
        Assert.Equal("running", await StatusAsync(_b, id));

        await _a.Services.GetRequiredService<Conveyor.Storage.IJobQueue>().CompleteAsync(JobStates.Owner,
            [new Conveyor.Storage.Completion(id, Conveyor.Core.JobOperation.Succeed, Conveyor.Core.TransitionInput.None)], CancellationToken.None);

        Assert.Equal("completed", await StatusAsync(_b, id));
    }

    [Fact]
    public async Task With_Redis_stopped_both_nodes_keep_answering_and_after_it_returns_reads_are_fresh()
    {
        var id = (await _a.Client.CreateJobAsync(new { type = "noop" })).Id();
        Assert.Equal("queued", await StatusAsync(_b, id));
        Assert.True(await CachedAsync(id));

        await _redis.StopAsync();

        var (ready, health, _) = await _a.Anonymous.SendAsync(HttpMethod.Get, "/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready);
        Assert.Equal("degraded", health!["status"]!.GetValue<string>());
        Assert.Equal("degraded", health["checks"]!["redis"]!["status"]!.GetValue<string>());
        Assert.Equal("healthy", health["checks"]!["store"]!["status"]!.GetValue<string>());

        var (cancel, _, _) = await _a.Client.SendAsync(HttpMethod.Post, $"/api/v1/jobs/{id}/cancel");
        Assert.Equal(HttpStatusCode.OK, cancel);
        Assert.Equal("cancelled", await StatusAsync(_a, id));
        Assert.Equal("cancelled", await StatusAsync(_b, id));

        await _redis.StartAgainAsync();
        Assert.True(await CachedAsync(id), "Redis came back with the entry it saved before the change");
        await Eventually.WaitAsync(async () => (await _b.Anonymous.SendAsync(HttpMethod.Get, "/health/ready")).Body!["status"]!.GetValue<string>(),
            status => status == "healthy", TimeSpan.FromSeconds(30), "node B reconnected to Redis");

        Assert.Equal("cancelled", await StatusAsync(_b, id));
        Assert.Equal("cancelled", await StatusAsync(_a, id));
    }

    private static async Task<string> StatusAsync(TestServer node, Guid id)
    {
        var (status, body, text) = await node.Client.SendAsync(HttpMethod.Get, $"/api/job/{id}");
        Assert.True(status == HttpStatusCode.OK, $"GET /api/job answered {status}: {text}");
        return body!["status"]!.GetValue<string>();
    }

    private async Task<bool> CachedAsync(Guid id)
    {
        await using var look = await _redis.ConnectAsync();
        var entry = await look.GetDatabase().StringGetAsync("{conveyor}:status:" + id.ToString("N"));
        if (entry.IsNull) return false;
        var text = entry.ToString();
        return JsonNode.Parse(text[(text.IndexOf('|') + 1)..])!["job_id"]!.GetValue<string>() == id.ToString();
    }
}
