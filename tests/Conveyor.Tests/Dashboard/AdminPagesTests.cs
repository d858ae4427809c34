using Conveyor.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Conveyor.Tests.Dashboard;

/// <summary>The ingestion, audit and keys pages in a real browser.</summary>
[Collection(BrowserCollection.Name)]
public sealed class AdminPagesTests(BrowserFixture browser)
{
    [Fact]
    public async Task A_created_key_is_shown_once_works_at_once_and_stops_working_when_revoked()
    {
        await using var server = await TestServer.StartAsync(Provider.Sqlite);
        await using var dashboard = await BrowserSession.OpenAsync(browser, server);
        await dashboard.SignInAsync();
        await dashboard.Page.GotoAsync("/admin/keys");

        await dashboard.Page.GetByLabel("Name").FillAsync("nightly import");
        await dashboard.Page.GetByLabel("Role").SelectOptionAsync("operator");
        await dashboard.Page.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();
        var key = await dashboard.Page.GetByLabel("The new operator key").InputValueAsync();
        Assert.StartsWith("cvk_", key);
        Assert.Contains("only time it is shown", await dashboard.Page.Locator(".created-key").InnerTextAsync());

        using var client = server.NewClient(key);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync("/api/v1/jobs")).StatusCode);
        // Shown once: the list and a reload never show it again.
        await dashboard.Page.GotoAsync("/admin/keys");
        Assert.DoesNotContain(key, await dashboard.Page.ContentAsync());
        var row = dashboard.Page.Locator("tr", new() { HasText = "nightly import" });
        Assert.Contains("operator", await row.InnerTextAsync());
        Assert.Contains("active", await row.InnerTextAsync());

        await row.GetByRole(AriaRole.Button, new() { Name = "Revoke key nightly import" }).ClickAsync();
        await dashboard.Page.GetByRole(AriaRole.Button, new() { Name = "Yes, revoke it" }).ClickAsync();
        Assert.Contains("is revoked", await dashboard.Page.Locator("#live-status").InnerTextAsync());
        Assert.Contains("revoked", await dashboard.Page.Locator("tr", new() { HasText = "nightly import" }).InnerTextAsync());
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/jobs")).StatusCode);
        Assert.Equal(1, await server.Database.CountAsync("audit_events", "action = 'key.revoke'"));
    }

    [Fact]
    public async Task The_audit_log_filters_by_action_and_its_chain_check_finds_a_tampered_event()
    {
        await using var server = await TestServer.StartAsync(Provider.Sqlite);
        var job = await JobStates.ArrangeAsync(server, JobSetup.Queued);
        await server.Client.SendAsync(HttpMethod.Post, $"/api/v1/jobs/{job}/cancel");
        await using var dashboard = await BrowserSession.OpenAsync(browser, server);
        await dashboard.SignInAsync();

        await dashboard.Page.GotoAsync("/admin/audit?action=job.cancel");
        var rows = dashboard.Page.Locator("tbody tr");
        Assert.Equal(1, await rows.CountAsync());
        Assert.Contains(job.ToString(), await rows.First.InnerTextAsync());
        Assert.Equal("job.cancel", await dashboard.Page.GetByLabel("Action").InputValueAsync());

        await dashboard.Page.GetByRole(AriaRole.Button, new() { Name = "Verify the chain now" }).ClickAsync();
        var events = await server.Database.CountAsync("audit_events");
        Assert.Contains($"The chain holds: {events:N0} events checked", await dashboard.Page.Locator("#chain-title + p").InnerTextAsync());

        // An attacker with the database drops the append-only trigger and edits an event.
        await server.Database.ExecuteAsync("DROP TRIGGER audit_events_no_update; UPDATE audit_events SET details = '{\"forged\":true}' WHERE action = 'job.cancel'");
        await dashboard.Page.GetByRole(AriaRole.Button, new() { Name = "Verify the chain now" }).ClickAsync();
        var verdict = await dashboard.Page.Locator("#chain-title + p").InnerTextAsync();
        Assert.Contains("The chain is broken at audit event", verdict);
        var cancelSeq = await server.Database.ScalarAsync<long>("SELECT seq FROM audit_events WHERE action = 'job.cancel'");
        Assert.Contains($"audit event {cancelSeq} ", verdict);
    }

    [Fact]
    public async Task Ingestion_shows_the_safe_error_and_an_operator_retries_it_audited_as_ingestion_retry_while_a_viewer_cannot()
    {
        await using var server = await TestServer.StartAsync(Provider.Sqlite);
        var failed = await JobStates.ArrangeAsync(server, JobSetup.Failed);
        var (_, viewerKey, _) = await server.Client.SendAsync(HttpMethod.Post, "/api/v1/keys", """{"name":"v","role":"viewer"}""");
        var (_, operatorKey, _) = await server.Client.SendAsync(HttpMethod.Post, "/api/v1/keys", """{"name":"o","role":"operator"}""");

        await using (var viewer = await BrowserSession.OpenAsync(browser, server))
        {
            await viewer.SignInAsync(viewerKey!["key"]!.GetValue<string>());
            await viewer.Page.GotoAsync("/ingestion");
            var row = viewer.Page.Locator($"#ingestion-{failed}");
            Assert.Contains("boom", await row.InnerTextAsync());
            Assert.Contains("ref1", await row.InnerTextAsync());
            Assert.Equal(0, await row.GetByRole(AriaRole.Button).CountAsync());
        }

        await using var dashboard = await BrowserSession.OpenAsync(browser, server);
        await dashboard.SignInAsync(operatorKey!["key"]!.GetValue<string>());
        await dashboard.Page.GotoAsync("/ingestion?status=failed");
        await dashboard.Page.Locator($"#ingestion-{failed}").GetByRole(AriaRole.Button, new() { Name = $"Retry job {Web.JobIds.Short(failed)}" }).ClickAsync();
        await dashboard.Page.GetByRole(AriaRole.Button, new() { Name = "Yes, retry" }).ClickAsync();
        Assert.Contains("is queued again", await dashboard.Page.Locator("#live-status").InnerTextAsync());
        Assert.Equal("queued", await server.Database.StatusAsync(failed));
        Assert.Equal(1, await server.Database.CountAsync("audit_events", "action = 'ingestion.retry' AND outcome = 'applied' AND target = @id", failed));
    }
}
