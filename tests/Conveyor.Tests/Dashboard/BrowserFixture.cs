using Microsoft.Playwright;

namespace Conveyor.Tests.Dashboard;

/// <summary>
/// One Chromium for every browser test (launching one costs about a second of CPU): Debian's, at
/// <c>CONVEYOR_TEST_CHROMIUM</c> (./test.sh sets it) or /usr/bin/chromium. Playwright downloads nothing. Without a
/// Chromium these tests fail, never skip: a missing browser must not turn a run green.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string Variable = "CONVEYOR_TEST_CHROMIUM";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public static string ExecutablePath => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public async Task InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
            throw new InvalidOperationException($"No Chromium at {ExecutablePath}: run the tests through ./test.sh, which installs Debian's chromium, or set {Variable}.");
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            // Root in a container has no user namespace for Chromium's sandbox.
            Args = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
    }
}

/// <summary>Every browser test class is in this collection: they share the one browser and run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "browser";
}
