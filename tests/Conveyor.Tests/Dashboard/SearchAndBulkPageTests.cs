using System.Text.Json;
using Conveyor.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Conveyor.Tests.Dashboard;

/// <summary>The queue's search box and "select all N matching", in a real browser.</summary>
[Collection(BrowserCollection.Name)]
public sealed class SearchAndBulkPageTests(BrowserFixture browser)
{
    [Fact]
    public async Task Search_finds_a_job_by_file_name_and_by_id_prefix_and_keeps_the_search_in_the_URL()
    {
        await using var server = await TestServer.StartAsync(Provider.Sqlite);
        var invoice = (await server.Client.CreateJobAsync(new { type = "noop", file_name = "invoice-2026-03.csv" })).Id();
        var payroll = (await server.Client.CreateJobAsync(new { type = "noop", file_name = "payroll.csv" })).Id();
        await server.Client.CreateJobAsync(new { type = "noop", file_name = "notes.txt" });
        await using var dashboard = await BrowserSession.OpenAsync(browser, server);
        await dashboard.SignInAsync();

        await dashboard.Page.GetByLabel("Search").FillAsync("invoice");
        await dashboard.Page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
        await dashboard.Page.WaitForURLAsync(url => url.Contains("q=invoice"));
        await AssertRowsAsync(dashboard, invoice);
        await dashboard.Page.ReloadAsync();
        await AssertRowsAsync(dashboard, invoice);

        var prefix = payroll.ToString()[..23];
        await dashboard.Page.GotoAsync("/admin/queue?q=" + prefix);
        await AssertRowsAsync(dashboard, payroll);
        Assert.Equal(prefix, await dashboard.Page.GetByLabel("Search").InputValueAsync());
    }

    [Fact]
    public async Task Select_all_matching_cancels_every_one_of_5000_matching_jobs_not_only_the_page()
    {
        await using var server = await TestServer.StartAsync(Provider.Sqlite);
        for (var batch = 0; batch < 5; batch++)
        {
            var jobs = Enumerable.Range(0, 1000).Select(i => new { type = "noop", file_name = $"bulk-{batch}-{i}.csv" }).ToArray();
            var (status, _, text) = await server.Client.SendAsync(HttpMethod.Post, "/api/v1/jobs/batch", JsonSerializer.Serialize(new { jobs }));
            Assert.True(status == System.Net.HttpStatusCode.Created, text);
        }
        var other = (await server.Client.CreateJobAsync(new { type = "sleep", metadata = new { seconds = 5 } })).Id();
        await using var dashboard = await BrowserSession.OpenAsync(browser, server);
        await dashboard.SignInAsync();

        await dashboard.Page.GotoAsync("/admin/queue?status=queued&type=noop");
        Assert.Equal(Core.JobDefaults.PageSize, await dashboard.Page.Locator("#queue-rows tr").CountAsync());
        await dashboard.Page.GetByLabel("With every job these filters match").SelectOptionAsync("cancel");
        await dashboard.Page.GetByRole(AriaRole.Button, new() { Name = "Select all 5,000 matching…" }).ClickAsync();
        Assert.Contains("5,000 jobs match these filters", await dashboard.Page.Locator("main").InnerTextAsync());
        await dashboard.Page.GetByRole(AriaRole.Button, new() { Name = "Yes, cancel 5,000 jobs" }).ClickAsync();

        Assert.Contains("5,000 of 5,000 matching jobs changed", await dashboard.Page.Locator("#live-status").InnerTextAsync());
        Assert.Equal(5000, await server.Database.CountAsync("jobs", "status = 'cancelled' AND type = 'noop'"));
        Assert.Equal(0, await server.Database.CountAsync("jobs", "status = 'queued' AND type = 'noop'"));
        Assert.Equal("queued", await server.Database.StatusAsync(other));
        Assert.Equal(1, await server.Database.CountAsync("audit_events", "action = 'job.bulk' AND outcome = 'applied'"));
        Assert.Equal(5000, await server.Database.CountAsync("job_events", "to_status = 'cancelled'"));
        Assert.Equal("0", await dashboard.Page.Locator("#status-chips .chip-queued .count").InnerTextAsync());
    }

    [Fact]
    public async Task A_viewer_is_offered_no_bulk_action_and_a_forged_one_is_refused()
    {
        await using var server = await TestServer.StartAsync(Provider.Sqlite);
        var queued = await JobStates.ArrangeAsync(server, JobSetup.Queued);
        var (_, key, _) = await server.Client.SendAsync(HttpMethod.Post, "/api/v1/keys", """{"name":"v","role":"viewer"}""");
        await using var dashboard = await BrowserSession.OpenAsync(browser, server);
        await dashboard.SignInAsync(key!["key"]!.GetValue<string>());

        Assert.Equal(0, await dashboard.Page.Locator("form.bulk").CountAsync());
        var hidden = dashboard.Page.Locator("form.signout input[type=hidden]").First;
        var form = dashboard.Context.APIRequest.CreateFormData()
            .Set((await hidden.GetAttributeAsync("name"))!, (await hidden.GetAttributeAsync("value"))!).Set("action", "cancel");
        var response = await dashboard.Page.APIRequest.PostAsync("/admin/queue/bulk", new() { Form = form });
        Assert.Equal(403, response.Status);
        Assert.Equal("queued", await server.Database.StatusAsync(queued));
    }

    private static async Task AssertRowsAsync(BrowserSession dashboard, params Guid[] ids)
    {
        var rows = dashboard.Page.Locator("#queue-rows tr");
        Assert.Equal(ids.Length, await rows.CountAsync());
        for (var i = 0; i < ids.Length; i++) Assert.Equal($"job-{ids[i]}", await rows.Nth(i).GetAttributeAsync("id"));
    }
}
