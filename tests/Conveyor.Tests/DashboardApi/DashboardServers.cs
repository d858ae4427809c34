using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Conveyor.Tests.Infrastructure;

namespace Conveyor.Tests.DashboardApi;

/// <summary>A server per test class and store, whose denied requests are audited within a second.</summary>
public abstract class DashboardServerFixture(Provider provider) : IAsyncLifetime
{
    public TestServer Server { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Server = await TestServer.StartAsync(provider, new Dictionary<string, string> { ["Conveyor:Auth:DeniedFlushSeconds"] = "1" });

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

public sealed class SqliteDashboardServer() : DashboardServerFixture(Provider.Sqlite);

public sealed class PostgresDashboardServer() : DashboardServerFixture(Provider.Postgres);

/// <summary>Keys and audit reads the dashboard's API tests share.</summary>
public static class DashboardCalls
{
    public static async Task<string> CreateKeyAsync(this TestServer server, string role)
    {
        var (status, body, text) = await server.Client.SendAsync(HttpMethod.Post, "/api/v1/keys",
            JsonSerializer.Serialize(new { name = "test " + role, role }));
        Assert.True(status == HttpStatusCode.Created, text);
        return body!["key"]!.GetValue<string>();
    }

    public static async Task<JsonArray> AuditAsync(this TestServer server, string query)
    {
        var (status, body, text) = await server.Client.SendAsync(HttpMethod.Get, "/api/v1/audit?" + query);
        Assert.True(status == HttpStatusCode.OK, text);
        return body!["items"]!.AsArray();
    }

    /// <summary>Creates <paramref name="count"/> queued noop jobs in batches of 1,000, with <paramref name="dataset"/>.</summary>
    public static async Task<List<Guid>> CreateJobsAsync(this TestServer server, int count, string dataset, object? metadata = null)
    {
        var ids = new List<Guid>();
        for (var start = 0; start < count; start += 1000)
        {
            var jobs = Enumerable.Range(0, Math.Min(1000, count - start)).Select(_ => new { type = "noop", dataset, metadata }).ToList();
            var (status, body, text) = await server.Client.SendAsync(HttpMethod.Post, "/api/v1/jobs/batch", JsonSerializer.Serialize(new { jobs }));
            Assert.True(status == HttpStatusCode.Created, text);
            ids.AddRange(body!["ids"]!.AsArray().Select(i => Guid.Parse(i!.GetValue<string>())));
        }
        return ids;
    }
}
