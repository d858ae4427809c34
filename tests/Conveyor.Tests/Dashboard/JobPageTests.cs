using Conveyor.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Conveyor.Tests.Dashboard;

/// <summary>The job page in a real browser, on a server with a worker.</summary>
[Collection(BrowserCollection.Name)]
public sealed class JobPageTests(BrowserFixture browser)
{
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
