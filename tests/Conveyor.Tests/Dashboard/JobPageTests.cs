using System.Text;
using Conveyor.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Conveyor.Tests.Dashboard;

/// <summary>The job page in a real browser, on a server with a worker.</summary>
[Collection(BrowserCollection.Name)]
public sealed class JobPageTests(BrowserFixture browser)
{
    [Fact]
    public async Task The_progress_bar_moves_during_a_million_row_load_and_ends_at_the_row_count()
    {
        const int rows = 1_000_000;
        await using var server = await TestServer.StartAsync(Provider.Sqlite, new Dictionary<string, string>
        {
            ["Conveyor:Workers:Count"] = "1",
            ["Conveyor:Workers:ProgressFlushInterval"] = "00:00:00.200",
            ["Conveyor:Workers:PollInterval"] = "00:00:00.200",
        });
        var csv = new StringBuilder("id,name,score\n", rows * 20);
        for (var i = 1; i <= rows; i++) csv.Append(i).Append(",name").Append(i).Append(',').Append(i % 97).Append('\n');
        await using var dashboard = await BrowserSession.OpenAsync(browser, server);
        await dashboard.SignInAsync();

        // csv is paused while the page opens, so the load cannot finish before the page shows it start.
        Assert.Equal(System.Net.HttpStatusCode.OK, (await server.Client.SendAsync(HttpMethod.Post, "/api/v1/types/csv/pause")).Status);
        var (status, body, text) = await server.Client.UploadAsync([("million.csv", Encoding.ASCII.GetBytes(csv.ToString()))],
            new Dictionary<string, string> { ["dataset"] = "million" });
        Assert.True(status == System.Net.HttpStatusCode.Created, text);
        var id = body!["items"]![0]!.Id();
        await dashboard.Page.GotoAsync($"/jobs/{id}");
        await dashboard.WaitForLiveAsync();
        Assert.Equal(System.Net.HttpStatusCode.OK, (await server.Client.SendAsync(HttpMethod.Post, "/api/v1/types/csv/resume")).Status);

        // Sample the bar as the page shows it until the job is done: from nothing (paused) through at least one value
        // part way to the end, without a reload. (A loaded box may show only one: the load takes a second or two.)
        var seen = new SortedSet<long>();
        var deadline = DateTime.UtcNow.AddMinutes(2);
        var bar = dashboard.Page.Locator("#job-summary progress");
        while (!await dashboard.Page.Locator("#job-summary .status-succeeded, #job-summary .status-failed").IsVisibleAsync())
        {
            if (DateTime.UtcNow > deadline)
            {
                var job = await server.Client.GetJobAsync(id);
                Assert.Fail($"the page did not show the load finish; bar values seen: {string.Join(", ", seen)}; the page shows " +
                    $"{await dashboard.Page.Locator("#job-summary").InnerHTMLAsync()}; htmx: {string.Join("; ", await dashboard.HtmxErrorsAsync())}; " +
                    $"sse: {await dashboard.Page.EvaluateAsync<string>("() => JSON.stringify(window.__sse)")}; the API says {job}");
            }
            var value = await bar.GetAttributeAsync("value");
            var max = await bar.GetAttributeAsync("max");
            if (value is not null && max is not null && long.Parse(value) > 0 && long.Parse(value) < rows) seen.Add(long.Parse(value));
            await Task.Delay(50);
        }
        Assert.True(seen.Count >= 1, $"the bar showed {seen.Count} values between 0 and {rows:N0}: {string.Join(", ", seen)}; " +
            $"the API says {await server.Client.GetJobAsync(id)}");
        await Assertions.Expect(dashboard.Page.Locator("#job-summary .status")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("status-succeeded"));
        Assert.Equal(rows.ToString(), await bar.GetAttributeAsync("value"));
        Assert.Contains($"{rows:N0} / {rows:N0}", await dashboard.Page.Locator("#job-summary .numbers").First.InnerTextAsync());
        // Opened afterwards, the page shows the first rows loaded.
        await dashboard.Page.ReloadAsync();
        Assert.Contains("\"name\":\"name1\"", await dashboard.Page.Locator("#rows-title + .table-wrap").InnerTextAsync());
    }

    [Fact]
    public async Task A_failed_jobs_page_shows_its_safe_error_and_reference_and_its_timeline_with_actors()
    {
        await using var server = await TestServer.StartAsync(Provider.Sqlite);
        var failed = await JobStates.ArrangeAsync(server, JobSetup.Failed);
        await using var dashboard = await BrowserSession.OpenAsync(browser, server);
        await dashboard.SignInAsync();
        await dashboard.Page.GotoAsync($"/jobs/{failed}");

        var summary = await dashboard.Page.Locator("#job-summary").InnerTextAsync();
        Assert.Contains("Error: boom", summary);
        Assert.Contains("Reference ref1", summary);
        var timeline = dashboard.Page.Locator("#job-events li");
        Assert.Equal(3, await timeline.CountAsync());
        Assert.Contains("created", await timeline.Nth(0).InnerTextAsync());
        Assert.Contains("by key:", await timeline.Nth(0).InnerTextAsync());
        Assert.Contains("running → failed", await timeline.Nth(2).InnerTextAsync());
        Assert.Contains($"by worker:{JobStates.Owner}", await timeline.Nth(2).InnerTextAsync());

        // The creation's audit link opens the audit log on that event.
        await timeline.Nth(0).GetByRole(AriaRole.Link, new() { Name = "audit event" }).ClickAsync();
        await dashboard.Page.WaitForURLAsync(url => url.Contains("/admin/audit?target="));
        var anchor = new Uri(dashboard.Page.Url).Fragment.TrimStart('#');
        Assert.Contains("job.create", await dashboard.Page.Locator($"#{anchor}").InnerTextAsync());
    }
}
