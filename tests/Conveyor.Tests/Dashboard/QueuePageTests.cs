using System.Net;
using Conveyor.Core;
using Conveyor.Storage;
using Conveyor.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Conveyor.Tests.Dashboard;

/// <summary>The queue page in a real browser, on a server without workers (the tests move jobs as a worker would).</summary>
[Collection(BrowserCollection.Name)]
public sealed class QueuePageTests(BrowserFixture browser)
{
    private static readonly TimeSpan Live = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task Signing_in_shows_the_queue_with_every_job_in_the_store()
    {
        await using var server = await TestServer.StartAsync(Provider.Sqlite);
        var ids = new List<Guid>();
        foreach (var name in new[] { "alpha.csv", "beta.csv", "gamma.csv" })
            ids.Add((await server.Client.CreateJobAsync(new { type = "noop", file_name = name })).Id());
        var failed = await JobStates.ArrangeAsync(server, JobSetup.Failed);

        await using var dashboard = await BrowserSession.OpenAsync(browser, server);
        await dashboard.Page.GotoAsync("/admin/queue");
        Assert.EndsWith("/signin?return_url=%2Fadmin%2Fqueue", dashboard.Page.Url);
        await dashboard.SignInAsync();

        var rows = dashboard.Page.Locator("#queue-rows tr");
        Assert.Equal(await server.Database.CountAsync("jobs"), await rows.CountAsync());
        foreach (var id in ids) await AssertStatusAsync(dashboard, id, "queued");
        await AssertStatusAsync(dashboard, failed, "failed");
        Assert.Contains("alpha.csv", await Row(dashboard, ids[0]).InnerTextAsync());
        Assert.Contains("gamma.csv", await Row(dashboard, ids[2]).InnerTextAsync());
        Assert.Equal("3", await dashboard.Page.Locator("#status-chips .chip-queued .count").InnerTextAsync());
        Assert.Equal("1", await dashboard.Page.Locator("#status-chips .chip-failed .count").InnerTextAsync());
    }

    [Fact]
    public async Task A_filter_in_the_URL_shows_the_same_view_after_a_reload_and_the_form_puts_its_filters_in_the_URL()
    {
        await using var server = await TestServer.StartAsync(Provider.Sqlite);
        var failed = await JobStates.ArrangeAsync(server, JobSetup.Failed);
        var queued = await JobStates.ArrangeAsync(server, JobSetup.Queued);
        await server.Client.CreateJobAsync(new { type = "sleep", metadata = new { seconds = 1 } });
        await using var dashboard = await BrowserSession.OpenAsync(browser, server);
        await dashboard.SignInAsync();

        await dashboard.Page.GotoAsync("/admin/queue?status=failed");
        await AssertOnlyAsync(dashboard, failed);
        Assert.Equal("true", await dashboard.Page.Locator("#status-chips .chip-failed").GetAttributeAsync("aria-current"));
        await dashboard.Page.ReloadAsync();
        await AssertOnlyAsync(dashboard, failed);
        Assert.Equal("true", await dashboard.Page.Locator("#status-chips .chip-failed").GetAttributeAsync("aria-current"));

        // The filter form keeps the chosen status and adds its own fields to the URL.
        await dashboard.Page.GotoAsync("/admin/queue?status=queued");
        await dashboard.Page.GetByLabel("Type", new() { Exact = true }).SelectOptionAsync("noop");
        await dashboard.Page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
        await dashboard.Page.WaitForURLAsync(url => url.Contains("type=noop"));
        Assert.Contains("status=queued", dashboard.Page.Url);
        await AssertOnlyAsync(dashboard, queued);
        await dashboard.Page.ReloadAsync();
        await AssertOnlyAsync(dashboard, queued);
        Assert.Equal("noop", await dashboard.Page.GetByLabel("Type", new() { Exact = true }).InputValueAsync());
    }

    [Fact]
    public async Task Requeueing_a_failed_job_from_its_row_shows_it_queued_then_its_final_status_without_a_reload()
    {
        await using var server = await TestServer.StartAsync(Provider.Sqlite);
        var failed = await JobStates.ArrangeAsync(server, JobSetup.Failed);
        await using var dashboard = await BrowserSession.OpenAsync(browser, server);
        await dashboard.SignInAsync();
        await dashboard.Page.EvaluateAsync("() => window.__sameDocument = true");
        await dashboard.WaitForLiveAsync();

        await Row(dashboard, failed).GetByRole(AriaRole.Button, new() { Name = $"Requeue job {Web.JobIds.Short(failed)}" }).ClickAsync();
        await Row(dashboard, failed).GetByRole(AriaRole.Button, new() { Name = "Yes, requeue" }).ClickAsync();
        await AssertStatusAsync(dashboard, failed, "queued");
        Assert.Equal("queued", await server.Database.StatusAsync(failed));
        Assert.Contains("requeued", await dashboard.Page.Locator("#live-status").InnerTextAsync());

        // A worker (the test, through the store) runs it to the end; the row follows by itself.
        var queue = server.Services.GetRequiredService<IJobQueue>();
        var claimed = Assert.Single(await queue.ClaimAsync(JobStates.Owner, 1, TimeSpan.FromMinutes(1), CancellationToken.None));
        Assert.Equal(failed, claimed.Id);
        await AssertStatusAsync(dashboard, failed, "running");
        await queue.CompleteAsync(JobStates.Owner, [new Completion(failed, JobOperation.Succeed, TransitionInput.None)], CancellationToken.None);
        await AssertStatusAsync(dashboard, failed, "succeeded");
        Assert.True(await dashboard.Page.EvaluateAsync<bool>("() => window.__sameDocument === true"), "the page reloaded");
    }

    [Fact]
    public async Task A_viewer_sees_no_actions_and_a_forged_post_with_a_valid_token_is_refused()
    {
        await using var server = await TestServer.StartAsync(Provider.Sqlite);
        var queued = await JobStates.ArrangeAsync(server, JobSetup.Queued);
        var failed = await JobStates.ArrangeAsync(server, JobSetup.Failed);
        var (_, key, _) = await server.Client.SendAsync(HttpMethod.Post, "/api/v1/keys", """{"name":"watcher","role":"viewer"}""");
        await using var dashboard = await BrowserSession.OpenAsync(browser, server);
        await dashboard.SignInAsync(key!["key"]!.GetValue<string>());

        Assert.Equal(2, await dashboard.Page.Locator("#queue-rows tr").CountAsync());
        Assert.Equal(0, await dashboard.Page.Locator("#queue-rows button").CountAsync());
        Assert.Equal(0, await dashboard.Page.GetByText("Create a job").CountAsync());
        Assert.Equal(0, await dashboard.Page.GetByRole(AriaRole.Link, new() { Name = "Keys" }).CountAsync());

        // The viewer's own session and antiforgery token, posted by hand: the server refuses the role, and nothing changes.
        var token = await dashboard.Page.Locator("form.signout input[type=hidden]").First.GetAttributeAsync("value");
        var field = await dashboard.Page.Locator("form.signout input[type=hidden]").First.GetAttributeAsync("name");
        foreach (var (id, action) in new[] { (queued, "cancel"), (failed, "requeue"), (failed, "retry") })
        {
            var response = await dashboard.Page.APIRequest.PostAsync($"/admin/queue/jobs/{id}/{action}", new() { Form = Form(dashboard, field!, token!) });
            Assert.Equal((int)HttpStatusCode.Forbidden, response.Status);
        }
        var create = await dashboard.Page.APIRequest.PostAsync("/admin/queue/jobs", new() { Form = Form(dashboard, field!, token!).Set("type", "noop") });
        Assert.Equal((int)HttpStatusCode.Forbidden, create.Status);
        Assert.Equal("queued", await server.Database.StatusAsync(queued));
        Assert.Equal("failed", await server.Database.StatusAsync(failed));
        Assert.Equal(2, await server.Database.CountAsync("jobs"));
        var confirm = await dashboard.Page.GotoAsync($"/admin/queue/jobs/{queued}/confirm/cancel");
        Assert.Equal((int)HttpStatusCode.Forbidden, confirm!.Status);
    }

    [Fact]
    public async Task An_operator_post_without_the_antiforgery_token_is_refused_and_changes_nothing()
    {
        await using var server = await TestServer.StartAsync(Provider.Sqlite);
        var queued = await JobStates.ArrangeAsync(server, JobSetup.Queued);
        await using var dashboard = await BrowserSession.OpenAsync(browser, server);
        await dashboard.SignInAsync();

        var response = await dashboard.Page.APIRequest.PostAsync($"/admin/queue/jobs/{queued}/cancel", new() { Form = dashboard.Context.APIRequest.CreateFormData().Set("return_url", "/admin/queue") });
        Assert.Equal((int)HttpStatusCode.BadRequest, response.Status);
        Assert.Contains("expired or did not come from this dashboard", await response.TextAsync());
        Assert.Equal("queued", await server.Database.StatusAsync(queued));
    }

    [Fact]
    public async Task Synthetic_jobs_show_a_star_explained_by_the_legend()
    {
        await using var server = await TestServer.StartAsync(Provider.Sqlite);
        var admin = server.Services.GetRequiredService<IJobAdmin>();
        var synthetic = (await admin.CreateAsync(new NewJob { Type = "noop", Synthetic = true }, AuditContext.System("job.create"), CancellationToken.None)).Job.Id;
        var real = await JobStates.ArrangeAsync(server, JobSetup.Queued);
        await using var dashboard = await BrowserSession.OpenAsync(browser, server);
        await dashboard.SignInAsync();

        Assert.Equal("*", await Row(dashboard, synthetic).Locator(".synthetic").InnerTextAsync());
        Assert.Equal(0, await Row(dashboard, real).Locator(".synthetic").CountAsync());
        Assert.Contains("synthetic", await dashboard.Page.Locator(".legend").InnerTextAsync());
        await dashboard.Page.GotoAsync($"/jobs/{synthetic}");
        Assert.Contains("(synthetic)", await dashboard.Page.Locator(".breadcrumb").InnerTextAsync());
    }

    private static IFormData Form(BrowserSession dashboard, string field, string token) =>
        dashboard.Context.APIRequest.CreateFormData().Set(field, token).Set("return_url", "/admin/queue");

    internal static ILocator Row(BrowserSession dashboard, Guid id) => dashboard.Page.Locator($"#job-{id}");

    internal static async Task AssertStatusAsync(BrowserSession dashboard, Guid id, string status)
    {
        var badge = Row(dashboard, id).Locator(".status");
        await Assertions.Expect(badge).ToHaveClassAsync(new System.Text.RegularExpressions.Regex($"status-{status}"), new() { Timeout = (float)Live.TotalMilliseconds });
    }

    private static async Task AssertOnlyAsync(BrowserSession dashboard, Guid id)
    {
        var rows = dashboard.Page.Locator("#queue-rows tr");
        Assert.Equal(1, await rows.CountAsync());
        Assert.Equal($"job-{id}", await rows.First.GetAttributeAsync("id"));
    }
}
