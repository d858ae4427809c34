using System.Net;
using Conveyor.Tests.Infrastructure;

namespace Conveyor.Tests.DashboardApi;

public sealed class SqliteStatsApiTests() : StatsApi(Provider.Sqlite);

public sealed class PostgresStatsApiTests() : StatsApi(Provider.Postgres);

/// <summary><c>GET /api/v1/stats</c> on both stores, on a server of its own so the numbers are this test's.</summary>
public abstract class StatsApi(Provider provider) : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(provider);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Stats_show_every_minute_of_the_day_the_depth_the_failure_rate_and_run_times()
    {
        await JobStates.ArrangeAsync(_server, JobSetup.Succeeded);
        for (var i = 0; i < 3; i++) await JobStates.ArrangeAsync(_server, JobSetup.Failed);
        await JobStates.ArrangeAsync(_server, JobSetup.Cancelled);
        await JobStates.ArrangeAsync(_server, JobSetup.Queued);
        await JobStates.ArrangeAsync(_server, JobSetup.Running);

        var viewer = _server.NewClient(await _server.CreateKeyAsync("viewer"));
        var (status, body, text) = await viewer.SendAsync(HttpMethod.Get, "/api/v1/stats");

        Assert.True(status == HttpStatusCode.OK, text);
        var minutes = body!["finished_per_minute"]!.AsArray();
        Assert.Equal(1440, minutes.Count);
        var from = DateTimeOffset.Parse(body["from"]!.GetValue<string>());
        var to = DateTimeOffset.Parse(body["to"]!.GetValue<string>());
        Assert.Equal(TimeSpan.FromHours(24), to - from);
        Assert.Equal(0, from.Second);
        Assert.Equal((1L, 3L, 1L), (minutes.Sum(m => m!["succeeded"]!.GetValue<long>()), minutes.Sum(m => m!["failed"]!.GetValue<long>()),
            minutes.Sum(m => m!["cancelled"]!.GetValue<long>())));
        var depth = body["queue_depth"]!;
        Assert.Equal((1L, 1L, 1L, 3L, 1L), (depth["queued"]!.GetValue<long>(), depth["running"]!.GetValue<long>(),
            depth["succeeded"]!.GetValue<long>(), depth["failed"]!.GetValue<long>(), depth["cancelled"]!.GetValue<long>()));
        Assert.Equal(0.75, body["failure_rate"]!.GetValue<double>(), 6);
        var noop = Assert.Single(body["run_time_by_type"]!.AsArray());
        Assert.Equal(("noop", 4L), (noop!["type"]!.GetValue<string>(), noop["count"]!.GetValue<long>()));
        Assert.InRange(noop["p95_seconds"]!.GetValue<double>(), noop["p50_seconds"]!.GetValue<double>(), 60);
    }

    [Fact]
    public async Task An_empty_store_has_no_failure_rate_and_zero_everywhere()
    {
        var (_, body, _) = await _server.Client.SendAsync(HttpMethod.Get, "/api/v1/stats");

        Assert.Null(body!["failure_rate"]);
        Assert.All(body["finished_per_minute"]!.AsArray(), m => Assert.Equal(0, m!["succeeded"]!.GetValue<long>()));
        Assert.Equal(0, body["queue_depth"]!["queued"]!.GetValue<long>());
        Assert.Empty(body["run_time_by_type"]!.AsArray());
        Assert.Equal(HttpStatusCode.Unauthorized, (await _server.Anonymous.SendAsync(HttpMethod.Get, "/api/v1/stats")).Status);
    }
}
