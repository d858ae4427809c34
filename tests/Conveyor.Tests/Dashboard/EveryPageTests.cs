using Conveyor.Cli;
using Conveyor.Storage;
using Conveyor.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Conveyor.Tests.Dashboard;

/// <summary>A server with a little of everything on it, for the tests that walk every page.</summary>
public sealed class EveryPageFixture : IAsyncLifetime
{
    public TestServer Server { get; private set; } = null!;
    public Guid FailedJob { get; private set; }
    public Guid QueuedJob { get; private set; }
    public Guid ViewerKey { get; private set; }

    public async Task InitializeAsync()
    {
        Server = await TestServer.StartAsync(Provider.Sqlite);
        QueuedJob = (await Server.Client.CreateJobAsync(new { type = "sleep", metadata = new { seconds = 30 } })).Id();
        FailedJob = await JobStates.ArrangeAsync(Server, JobSetup.Failed);
        await JobStates.ArrangeAsync(Server, JobSetup.Succeeded);
        await JobStates.ArrangeAsync(Server, JobSetup.Running);
        // seed 000's synthetic courses: the tutor page with every badge and the `*` of synthetic sessions.
        await Server.Services.GetRequiredService<IDemoData>().SeedDemoAsync(DemoContent.Build(DateTimeOffset.UtcNow), CancellationToken.None);
        var (_, key, _) = await Server.Client.SendAsync(HttpMethod.Post, "/api/v1/keys", """{"name":"a viewer","role":"viewer"}""");
        ViewerKey = Guid.Parse(key!["id"]!.GetValue<string>());
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>
/// Every page, light and dark, at desktop width and at 360 px: axe finds no serious or critical violation, the
/// browser reports no CSP violation, nothing overflows the 360 px viewport sideways, and a screenshot of each is saved.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class EveryPageTests(BrowserFixture browser, EveryPageFixture fixture) : IClassFixture<EveryPageFixture>
{
    private IEnumerable<(string Name, string Path, int Status)> Pages() =>
    [
        ("queue", "/admin/queue", 200),
        ("queue-confirm", $"/admin/queue/jobs/{fixture.FailedJob}/confirm/requeue?return_url=%2Fadmin%2Fqueue", 200),
        ("job-failed", $"/jobs/{fixture.FailedJob}", 200),
        ("job-queued", $"/jobs/{fixture.QueuedJob}", 200),
        ("job-missing", $"/jobs/{Guid.Empty}", 404),
        ("ingestion", "/ingestion", 200),
        ("ingestion-confirm", $"/ingestion/jobs/{fixture.FailedJob}/confirm-retry", 200),
        ("audit", "/admin/audit/verify", 200),
        ("keys", "/admin/keys", 200),
        ("keys-confirm", $"/admin/keys/{fixture.ViewerKey}/confirm-revoke", 200),
        ("nodes", "/admin/nodes", 200),
        ("stats", "/admin/stats", 200),
        ("tutor", $"/tutor/courses/{DemoContent.Courses[0]}", 200),
        ("tutor-summaries", $"/tutor/courses/{DemoContent.Courses[0]}/summaries", 200),
    ];

    [Fact]
    public async Task Every_page_passes_axe_and_the_CSP_in_light_and_dark_at_desktop_and_360_px()
    {
        foreach (var scheme in new[] { ColorScheme.Light, ColorScheme.Dark })
        {
            foreach (var width in new[] { BrowserSession.DesktopWidth, BrowserSession.MobileWidth })
            {
                await using var dashboard = await BrowserSession.OpenAsync(browser, fixture.Server, width, scheme);
                var variant = $"{(scheme == ColorScheme.Dark ? "dark" : "light")}-{(width == BrowserSession.MobileWidth ? "360" : "desktop")}";
                // axe at desktop width in both schemes (colours are what differ); at 360 px the layout: no sideways overflow.
                var axe = width == BrowserSession.DesktopWidth;
                await dashboard.Page.GotoAsync("/signin");
                if (axe) await dashboard.AssertAccessibleAsync($"signin {variant}");
                await dashboard.ScreenshotAsync($"signin-{variant}");
                await dashboard.SignInAsync();
                foreach (var (name, path, status) in Pages())
                {
                    var response = await dashboard.Page.GotoAsync(path);
                    Assert.True(status == response!.Status, $"{path}: {response.Status}");
                    if (axe) await dashboard.AssertAccessibleAsync($"{name} {variant}");
                    else await dashboard.AssertNoCspViolationsAsync($"{name} {variant}");
                    if (width == BrowserSession.MobileWidth)
                    {
                        var overflow = await dashboard.Page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
                        Assert.True(overflow <= 0, $"{name} {variant} is {overflow} px wider than the viewport");
                    }
                    await dashboard.ScreenshotAsync($"{name}-{variant}");
                }
            }
        }
    }
}
