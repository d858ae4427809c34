using System.Text.Json;
using Conveyor.Tests.Infrastructure;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace Conveyor.Tests.Dashboard;

/// <summary>
/// A browser session on a test server's dashboard: its own context (cookies), a page that records every Content
/// Security Policy violation the browser reports, and helpers to sign in, check a page with axe, and take screenshots.
/// </summary>
public sealed class BrowserSession : IAsyncDisposable
{
    public const int DesktopWidth = 1280;
    public const int MobileWidth = 360;

    /// <summary>Collects what the browser reports: the securitypolicyviolation events of every document the page loads.</summary>
    private const string ViolationRecorder = """
        window.__csp = [];
        document.addEventListener('securitypolicyviolation', e =>
            window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sourceFile || '') + ':' + (e.lineNumber || 0)));
        window.__sse = { connected: 0, messages: 0 };
        document.addEventListener('htmx:sse:after:connection', () => window.__sse.connected++);
        document.addEventListener('htmx:sse:after:message', () => window.__sse.messages++);
        window.__htmxErrors = [];
        for (const name of ['htmx:error', 'htmx:sse:error', 'htmx:response:error'])
            document.addEventListener(name, e => window.__htmxErrors.push(name + ' ' + (e.detail?.error?.message || e.detail?.error || '')));
        """;

    private readonly List<string> _consoleCsp = [];

    private BrowserSession(IBrowserContext context, IPage page, TestServer server)
    {
        Context = context;
        Page = page;
        Server = server;
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase)) lock (_consoleCsp) _consoleCsp.Add(message.Text);
        };
    }

    public IBrowserContext Context { get; }
    public IPage Page { get; }
    public TestServer Server { get; }

    public static async Task<BrowserSession> OpenAsync(BrowserFixture browser, TestServer server, int width = DesktopWidth, ColorScheme scheme = ColorScheme.Light)
    {
        var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = server.Address.ToString().TrimEnd('/'),
            ViewportSize = new ViewportSize { Width = width, Height = width == MobileWidth ? 740 : 900 },
            ColorScheme = scheme,
            ReducedMotion = ReducedMotion.Reduce,
        });
        // Generous for navigation on a loaded CI box; the live-update deadlines are asserted separately, at 2 s.
        context.SetDefaultTimeout(60_000);
        await context.AddInitScriptAsync(ViolationRecorder);
        var page = await context.NewPageAsync();
        return new BrowserSession(context, page, server);
    }

    /// <summary>Signs in through the form with <paramref name="key"/> (the admin key when null) and waits for the queue.</summary>
    public async Task SignInAsync(string? key = null)
    {
        await Page.GotoAsync("/signin");
        await Page.GetByLabel("API key").FillAsync(key ?? Server.AdminKey);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Page.WaitForURLAsync("**/admin/queue**");
    }

    /// <summary>Every CSP violation reported so far on the current document and in the console.</summary>
    public async Task<IReadOnlyList<string>> CspViolationsAsync()
    {
        var recorded = await Page.EvaluateAsync<string[]>("() => window.__csp || []");
        lock (_consoleCsp) return [.. recorded, .. _consoleCsp];
    }

    /// <summary>What htmx reported going wrong on the current document (failed swaps, failed streams).</summary>
    public Task<string[]> HtmxErrorsAsync() => Page.EvaluateAsync<string[]>("() => window.__htmxErrors || []");

    /// <summary>Fails on any serious or critical axe violation, and on any CSP violation, naming them.</summary>
    public async Task AssertAccessibleAsync(string what)
    {
        var result = await Page.RunAxe();
        var bad = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(bad.Count == 0, $"{what}: axe found {bad.Count} serious or critical violations:\n" + string.Join("\n", bad.Select(Describe)));
        await AssertNoCspViolationsAsync(what);
    }

    public async Task AssertNoCspViolationsAsync(string what)
    {
        var csp = await CspViolationsAsync();
        Assert.True(csp.Count == 0, $"{what}: the browser reported CSP violations:\n" + string.Join("\n", csp));
    }

    private static string Describe(AxeResultItem v) =>
        $"{v.Id} ({v.Impact}): {v.Help} at " + string.Join("; ", v.Nodes.Take(3).Select(n => n.Target + " " + n.Html));

    /// <summary>Saves a full-page screenshot as <c>artifacts/screenshots/{name}.png</c> at the repository root.</summary>
    public async Task ScreenshotAsync(string name)
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = true });
    }

    public static string ScreenshotDirectory { get; } = Path.Combine(RepositoryRoot(), "artifacts", "screenshots");

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Conveyor.slnx"))) return dir.FullName;
        }
        return Path.GetTempPath();
    }

    /// <summary>Waits until the page's live stream has delivered its first message: the page then follows the store.</summary>
    public Task WaitForLiveAsync() => WaitForAsync("() => window.__sse.messages > 0", "the live stream's first message");

    /// <summary>
    /// Polls <paramref name="predicate"/> in the page until it is true, for at most 30 s (a busy CI box is slow to start a page). (Playwright's WaitForFunction
    /// builds its predicate with eval, which the dashboard's CSP forbids.)
    /// </summary>
    public async Task WaitForAsync(string predicate, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await Page.EvaluateAsync<bool>(predicate))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out waiting for {what}");
            await Task.Delay(25);
        }
    }

    public async ValueTask DisposeAsync() => await Context.DisposeAsync();
}
