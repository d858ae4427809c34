using System.Net;
using System.Text.Json.Nodes;
using Conveyor.Storage;
using Conveyor.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Tests.DashboardApi;

public sealed class SqliteNodesApiTests() : NodesApi(Provider.Sqlite);

public sealed class PostgresNodesApiTests() : NodesApi(Provider.Postgres)
{
    [Fact]
    public async Task Two_nodes_on_one_database_are_both_listed_one_leads_and_a_stopped_one_leaves()
    {
        var other = await TestServer.StartAsync(Provider.Postgres, new Dictionary<string, string>(Settings)
        {
            ["ConnectionStrings:Conveyor"] = Server.Database.ConnectionString,
            ["Conveyor:Auth:BootstrapAdminKey"] = Server.AdminKey,
            ["Conveyor:Workers:Count"] = "0",
        });
        try
        {
            var both = await Eventually.WaitAsync(() => NodesAsync(Server.Client), n => n.Count == 2 && n.Count(x => x["is_leader"]!.GetValue<bool>()) == 1,
                TimeSpan.FromSeconds(30), "two nodes, one leader");
            Assert.Equal([0, 2], both.Select(n => n["workers"]!.GetValue<int>()).Order());
        }
        finally
        {
            await other.DisposeAsync();
        }

        // A graceful stop removes the node's row at once (the prune would take NodeStaleAfter).
        var left = Assert.Single(await NodesAsync(Server.Client));
        Assert.Equal(2, left["workers"]!.GetValue<int>());
    }
}

/// <summary><c>GET /api/v1/nodes</c> on both stores: the node heartbeats itself, holds its jobs, and stale nodes go.</summary>
public abstract class NodesApi(Provider provider) : IAsyncLifetime
{
    protected static readonly Dictionary<string, string> Settings = new()
    {
        ["Conveyor:Workers:Count"] = "2",
        ["Conveyor:Workers:HeartbeatInterval"] = "00:00:00.5",
        ["Conveyor:Workers:SweepInterval"] = "00:00:00.5",
        ["Conveyor:Workers:NodeStaleAfter"] = "00:00:03",
        ["Conveyor:Workers:PollInterval"] = "00:00:00.5",
    };

    protected TestServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await TestServer.StartAsync(provider, Settings);

    public async Task DisposeAsync() => await Server.DisposeAsync();

    protected static async Task<List<JsonNode>> NodesAsync(HttpClient client)
    {
        var (status, body, text) = await client.SendAsync(HttpMethod.Get, "/api/v1/nodes");
        Assert.True(status == HttpStatusCode.OK, text);
        return body!["items"]!.AsArray().Select(n => n!).ToList();
    }

    [Fact]
    public async Task The_server_lists_itself_as_a_leading_serve_node_whose_heartbeat_moves_and_a_viewer_may_read_it()
    {
        var first = Assert.Single(await Eventually.WaitAsync(() => NodesAsync(Server.Client), n => n.Count == 1 && n[0]["is_leader"]!.GetValue<bool>(),
            TimeSpan.FromSeconds(30), "the node, leading"));
        Assert.Equal("serve", first["kind"]!.GetValue<string>());
        Assert.Equal((2, 0, 2, 0), (first["workers"]!.GetValue<int>(), first["workers_busy"]!.GetValue<int>(), first["workers_idle"]!.GetValue<int>(),
            first["jobs_held"]!.GetValue<int>()));
        Assert.False(string.IsNullOrWhiteSpace(first["version"]!.GetValue<string>()));
        Assert.Contains($":{Environment.ProcessId}:", first["id"]!.GetValue<string>());
        var beat = DateTimeOffset.Parse(first["heartbeat_at"]!.GetValue<string>());

        var viewer = Server.NewClient(await Server.CreateKeyAsync("viewer"));
        await Eventually.WaitAsync(() => NodesAsync(viewer), n => DateTimeOffset.Parse(n.Single()["heartbeat_at"]!.GetValue<string>()) > beat,
            TimeSpan.FromSeconds(20), "a later heartbeat");
        Assert.Equal(DateTimeOffset.Parse(first["started_at"]!.GetValue<string>()),
            DateTimeOffset.Parse((await NodesAsync(viewer)).Single()["started_at"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_node_running_a_job_shows_it_busy_and_holding_it()
    {
        var id = (await Server.Client.CreateJobAsync(new { type = "sleep", metadata = new { seconds = 60 } })).Id();

        var node = (await Eventually.WaitAsync(() => NodesAsync(Server.Client), n => n.Single()["workers_busy"]!.GetValue<int>() == 1,
            TimeSpan.FromSeconds(30), "one busy worker")).Single();

        Assert.Equal((1, 1), (node["jobs_held"]!.GetValue<int>(), node["workers_idle"]!.GetValue<int>()));
        Assert.Equal([id], node["running_jobs"]!.AsArray().Select(j => Guid.Parse(j!.GetValue<string>())));
        Assert.Equal(HttpStatusCode.OK, (await Server.Client.SendAsync(HttpMethod.Post, $"/api/v1/jobs/{id}/cancel")).Status);
        await Server.Client.FinishedAsync(id);
    }

    [Fact]
    public async Task The_leader_prunes_a_node_that_stopped_heartbeating()
    {
        var registry = Server.Services.GetRequiredService<INodeRegistry>();
        var now = DateTimeOffset.UtcNow;
        // Its one heartbeat is now, so the leader may prune it from NodeStaleAfter (3 s) on: the store is read straight
        // away, not through a request that a loaded box can hold up past that.
        await registry.HeartbeatAsync(new NodeRecord("gone-host:1:dead", "worker", "0.1", now.AddMinutes(-5), now, 4, 0, 0, false), default);
        Assert.Contains(await registry.ListNodesAsync(0, default), n => n.Id == "gone-host:1:dead");

        await Eventually.WaitAsync(() => NodesAsync(Server.Client), n => n.All(x => x["id"]!.GetValue<string>() != "gone-host:1:dead"),
            TimeSpan.FromSeconds(30), "the stale node pruned");
        Assert.Single(await NodesAsync(Server.Client));
    }

    [Fact]
    public async Task Listing_nodes_needs_a_key()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await Server.Anonymous.SendAsync(HttpMethod.Get, "/api/v1/nodes")).Status);
    }
}
