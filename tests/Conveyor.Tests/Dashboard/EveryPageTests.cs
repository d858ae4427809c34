using Conveyor.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Conveyor.Tests.Dashboard;

/// <summary>A server with a little of everything on it, for the tests that walk every page.</summary>
public sealed class EveryPageFixture : IAsyncLifetime
{
    public TestServer Server { get; private set; } = null!;
    public Guid FailedJob { get; private set; }
    public Guid QueuedJob { get; private set; }

    public async Task InitializeAsync()
    {
        Server = await TestServer.StartAsync(Provider.Sqlite);
        QueuedJob = (await Server.Client.CreateJobAsync(new { type = "sleep", metadata = new { seconds = 30 } })).Id();
        FailedJob = await JobStates.ArrangeAsync(Server, JobSetup.Failed);
        await JobStates.ArrangeAsync(Server, JobSetup.Succeeded);
        await JobStates.ArrangeAsync(Server, JobSetup.Running);
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
    private IEnumerable<(string Name, string Path)> Pages() =>
    [
        ("queue", "/admin/queue"),
        ("job-failed", $"/jobs/{fixture.FailedJob}"),
        ("job-queued", $"/jobs/{fixture.QueuedJob}"),
    ];

    [Fact]
    public async Task Every_page_passes_axe_and_the_CSP_in_light_and_dark_at_desktop_and_360_px()
    {
        foreach (var scheme in new[] { ColorScheme.Light, ColorScheme.Dark })
        {
            foreach (var width in new[] { Dashboard.DesktopWidth, Dashboard.MobileWidth })
            {
                await using var dashboard = await Dashboard.OpenAsync(browser, fixture.Server, width, scheme);
                var variant = $"{(scheme == ColorScheme.Dark ? "dark" : "light")}-{(width == Dashboard.MobileWidth ? "360" : "desktop")}";
                await dashboard.Page.GotoAsync("/signin");
                await dashboard.AssertAccessibleAsync($"signin {variant}");
                await dashboard.ScreenshotAsync($"signin-{variant}");
                await dashboard.SignInAsync();
                foreach (var (name, path) in Pages())
                {
                    var response = await dashboard.Page.GotoAsync(path);
                    Assert.Equal(200, response!.Status);
                    await dashboard.AssertAccessibleAsync($"{name} {variant}");
                    if (width == Dashboard.MobileWidth)
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
