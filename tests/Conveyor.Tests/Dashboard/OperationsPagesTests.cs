using System.Text;
using System.Text.RegularExpressions;
using Conveyor.Tests.Infrastructure;
using Conveyor.Workers.Leadership;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Conveyor.Tests.Dashboard;

/// <summary>What an operator reads on the dashboard from the node registry, each job's own log and the stats: the values shown.</summary>
[Collection(BrowserCollection.Name)]
public sealed class OperationsPagesTests(BrowserFixture browser)
{
    [Fact]
    public async Task The_job_page_shows_the_lines_its_handler_logged_numbered_as_they_arrive_without_a_reload()
    {
        await using var server = await TestServer.StartAsync(Provider.Sqlite, new Dictionary<string, string> { ["Conveyor:Workers:Count"] = "1" });
        await using var dashboard = await BrowserSession.OpenAsync(browser, server);
        await dashboard.SignInAsync();
        // csv is paused while the page opens: its log is empty until the job runs.
        Assert.Equal(System.Net.HttpStatusCode.OK, (await server.Client.SendAsync(HttpMethod.Post, "/api/v1/types/csv/pause")).Status);
        var (status, body, text) = await server.Client.UploadAsync([("people.csv", Encoding.ASCII.GetBytes("id,name\n1,ada\n2,grace\n3,linus\n"))],
            new Dictionary<string, string> { ["dataset"] = "people" });
        Assert.True(status == System.Net.HttpStatusCode.Created, text);
        var id = body!["items"]![0]!.Id();
        await dashboard.Page.GotoAsync($"/jobs/{id}");
        Assert.Contains("has written nothing to its log", await dashboard.Page.Locator("#job-log").InnerTextAsync());
        await dashboard.Page.EvaluateAsync("() => window.__sameDocument = true");
        await dashboard.WaitForLiveAsync();

        Assert.Equal(System.Net.HttpStatusCode.OK, (await server.Client.SendAsync(HttpMethod.Post, "/api/v1/types/csv/resume")).Status);
        await Assertions.Expect(dashboard.Page.Locator("#log-2")).ToContainTextAsync("Loaded 3 rows", new() { Timeout = 30_000 });
        var first = Cells(await dashboard.Page.Locator("#log-1 td").AllInnerTextsAsync());
        Assert.Equal("1", first[0]);
        Assert.Equal(("1", "information"), (first[2], first[3]));
        Assert.Equal("Loading csv (utf-8) into dataset people", first[4]);
        Assert.Equal("2 lines, oldest first; the newest 1,000 are kept.", await dashboard.Page.Locator("#job-log .hint").InnerTextAsync());
        Assert.True(await dashboard.Page.EvaluateAsync<bool>("() => window.__sameDocument === true"), "the page reloaded");

        // Opened afresh, the page shows the same lines from the store.
        await dashboard.Page.ReloadAsync();
        Assert.Equal(2, await dashboard.Page.Locator("#job-log tbody tr").CountAsync());
        Assert.Contains("Loaded 3 rows", await dashboard.Page.Locator("#log-2").InnerTextAsync());
    }

    [Fact]
    public async Task The_nodes_page_shows_the_registry_with_workers_busy_and_idle_the_jobs_held_and_the_leader_live()
    {
        await using var server = await TestServer.StartAsync(Provider.Sqlite, new Dictionary<string, string>
        {
            ["Conveyor:Workers:Count"] = "2",
            ["Conveyor:Workers:HeartbeatInterval"] = "00:00:00.500",
        });
        var node = server.Services.GetRequiredService<LeaderElector>().Status.NodeId;
        await using var dashboard = await BrowserSession.OpenAsync(browser, server);
        await dashboard.SignInAsync();
        await dashboard.Page.GotoAsync("/admin/nodes");
        var row = dashboard.Page.Locator("#node-rows tr", new() { HasText = node });
        await Assertions.Expect(row.Locator(".leader")).ToHaveTextAsync("★ leader", new() { Timeout = 30_000 });
        Assert.Equal("serve", await row.Locator("td").Nth(0).InnerTextAsync());
        Assert.Matches(@"^\S+$", await row.Locator("td").Nth(1).InnerTextAsync());
        Assert.Equal(("2", "0", "2"), (await row.Locator(".workers").InnerTextAsync(), await row.Locator(".busy").InnerTextAsync(), await row.Locator(".idle").InnerTextAsync()));
        await dashboard.Page.EvaluateAsync("() => window.__sameDocument = true");
        await dashboard.WaitForLiveAsync();

        // A job starts on one of its workers: the row follows by itself (next heartbeat, next render).
        var sleeping = (await server.Client.CreateJobAsync(new { type = "sleep", metadata = new { seconds = 60 } })).Id();
        await Assertions.Expect(row.Locator(".busy")).ToHaveTextAsync("1", new() { Timeout = 10_000 });
        Assert.Equal("1", await row.Locator(".idle").InnerTextAsync());
        await Assertions.Expect(row.Locator(".held .count")).ToHaveTextAsync("1");
        Assert.Equal($"/jobs/{sleeping}", await row.Locator(".held a").GetAttributeAsync("href"));

        Assert.Equal(System.Net.HttpStatusCode.OK, (await server.Client.SendAsync(HttpMethod.Post, $"/api/v1/jobs/{sleeping}/cancel")).Status);
        await Assertions.Expect(row.Locator(".busy")).ToHaveTextAsync("0", new() { Timeout = 10_000 });
        await Assertions.Expect(row.Locator(".held .count")).ToHaveTextAsync("0");
        Assert.True(await dashboard.Page.EvaluateAsync<bool>("() => window.__sameDocument === true"), "the page reloaded");
    }

    [Fact]
    public async Task The_charts_show_throughput_queue_depth_failure_rate_and_run_times_with_their_numbers()
    {
        await using var server = await TestServer.StartAsync(Provider.Sqlite);
        for (var i = 0; i < 3; i++) await JobStates.ArrangeAsync(server, JobSetup.Succeeded);
        await JobStates.ArrangeAsync(server, JobSetup.Failed);
        await JobStates.ArrangeAsync(server, JobSetup.Queued);
        await using var dashboard = await BrowserSession.OpenAsync(browser, server);
        await dashboard.SignInAsync();
        await dashboard.Page.GetByRole(AriaRole.Link, new() { Name = "Charts" }).ClickAsync();
        await dashboard.Page.WaitForURLAsync("**/admin/stats");

        Assert.Equal("25 % failed", await dashboard.Page.Locator("#failure-rate-value").InnerTextAsync());
        Assert.Contains("1 failed of 4 that ended", await dashboard.Page.Locator("#failure-rate").InnerTextAsync());
        var depth = await dashboard.Page.Locator("#stats-depth desc").TextContentAsync();
        foreach (var part in new[] { "queued: 1", "running: 0", "succeeded: 3", "failed: 1", "cancelled: 0" }) Assert.Contains(part, depth);
        Assert.Contains("succeeded: 3 in all", await dashboard.Page.Locator("#throughput desc").TextContentAsync());
        Assert.Contains("failed: 1 in all", await dashboard.Page.Locator("#throughput desc").TextContentAsync());

        // The throughput's numbers: the minutes with any, which add up to what ended (a minute may turn during the test).
        var minutes = dashboard.Page.Locator("#throughput tbody tr");
        long succeeded = 0, failed = 0;
        for (var i = 0; i < await minutes.CountAsync(); i++)
        {
            var cells = await minutes.Nth(i).Locator("td").AllTextContentsAsync();
            succeeded += long.Parse(cells[0]);
            failed += long.Parse(cells[1]);
        }
        Assert.Equal((3L, 1L), (succeeded, failed));

        var runTimes = Cells(await dashboard.Page.Locator("#run-times-table tbody tr").First.Locator("th, td").AllInnerTextsAsync());
        Assert.Equal(("noop", "4"), (runTimes[0], runTimes[1]));
        Assert.Matches(new Regex(@"^\d+(\.\d+)? (ms|s)$"), runTimes[2]);
        Assert.Contains("noop p50", await dashboard.Page.Locator("#run-times desc").TextContentAsync());
        Assert.Contains("noop p95", await dashboard.Page.Locator("#run-times desc").TextContentAsync());
        await dashboard.AssertAccessibleAsync("charts");
    }

    private static List<string> Cells(IReadOnlyList<string> cells) => cells.Select(c => c.Trim()).ToList();
}
