using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using Conveyor.Tests.Infrastructure;

namespace Conveyor.Tests;

/// <summary>
/// What a newcomer meets, run as they would run it: <c>dotnet run --project src/Conveyor -- serve</c> from wherever they
/// stand, a bad setting, and <c>conveyor keys generate</c>.
/// </summary>
public sealed partial class NewcomerPathTests
{
    [GeneratedRegex(@"Admin key \(shown once, keep it safe\): (cvk_[A-Za-z0-9]{8}_[A-Za-z0-9]{32})")]
    private static partial Regex AdminKey();

    [GeneratedRegex(@"Conveyor is listening on (http://127\.0\.0\.1:\d+)  \(API docs: http://127\.0\.0\.1:\d+/docs")]
    private static partial Regex Listening();

    [GeneratedRegex(@"Dashboard: (http://127\.0\.0\.1:\d+/)  \(open it in a browser, sign in with a key\)")]
    private static partial Regex Dashboard();

    [GeneratedRegex(@"^\s*(warn|fail|crit):", RegexOptions.Multiline)]
    private static partial Regex WarningOrWorse();

#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    [Fact]
    public async Task Dotnet_run_serve_keeps_its_data_in_the_directory_it_was_run_from_prints_the_url_the_dashboard_and_key_and_warns_of_nothing()
    {
        var here = Directory.CreateTempSubdirectory("conveyor-newcomer-").FullName;
        // A machine that has never run an ASP.NET Core app: no key ring in the home directory to hide the first start's warnings.
        var home = Directory.CreateTempSubdirectory("conveyor-newcomer-home-").FullName;
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = here,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "run", "--project", Path.Combine(RepositoryRoot(), "src", "Conveyor"), "-c", Configuration, "--no-build", "--", "serve" })
            info.ArgumentList.Add(arg);
        info.Environment["HOME"] = home;
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        info.Environment["Conveyor__Workers__Count"] = "1";

        await using var serve = RunningProcess.Start(info);
        var output = await serve.WaitForOutputAsync(o => Listening().IsMatch(o) && Dashboard().IsMatch(o), TimeSpan.FromSeconds(90),
            "serve to print its URL and the dashboard's");
        var url = Listening().Match(output).Groups[1].Value;
        var key = AdminKey().Match(output).Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(key), output);

        using var client = new HttpClient { BaseAddress = new Uri(url) };
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        using (var jobs = await client.GetAsync("/api/v1/jobs")) Assert.Equal(HttpStatusCode.OK, jobs.StatusCode);
        using (var docs = await client.GetAsync("/docs/")) Assert.Equal(HttpStatusCode.OK, docs.StatusCode);

        // The printed dashboard URL, opened by a browser without a key, lands on the sign-in form, not on a 401 body.
        var dashboard = Dashboard().Match(output).Groups[1].Value;
        Assert.Equal($"{url}/", dashboard);
        using var browser = new HttpClient();
        using var page = new HttpRequestMessage(HttpMethod.Get, dashboard);
        page.Headers.Accept.ParseAdd("text/html,application/xhtml+xml");
        using (var signIn = await browser.SendAsync(page))
        {
            Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
            Assert.Equal("/signin", signIn.RequestMessage!.RequestUri!.AbsolutePath);
            Assert.Contains("name=\"key\" type=\"password\"", await signIn.Content.ReadAsStringAsync());
        }

        Assert.True(File.Exists(Path.Combine(here, "data", "conveyor.db")), "the store is ./data/conveyor.db where serve was run");
        var ring = Path.Combine(here, "data", "dataprotection-keys");
        Assert.Single(Directory.GetFiles(ring, "key-*.xml"));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(ring));
        Assert.False(Directory.Exists(Path.Combine(home, ".aspnet")), "no key ring in the home directory");
        Assert.DoesNotMatch(WarningOrWorse(), serve.Output);
    }

    [Theory]
    [InlineData("flag")]
    [InlineData("environment")]
    public async Task A_malformed_bootstrap_key_stops_start_up_with_one_line_naming_the_key_and_exit_code_78(string how)
    {
        const string bad = "cvk_short_secret";
        var directory = Directory.CreateTempSubdirectory("conveyor-bad-key-").FullName;
        var info = ConveyorProcess.StartInfo(directory, how == "flag" ? ["serve", $"--Conveyor:Auth:BootstrapAdminKey={bad}"] : ["serve"]);
        if (how == "environment") info.Environment["Conveyor__Auth__BootstrapAdminKey"] = bad;
        var (code, output) = await ConveyorProcess.RunAsync(info);

        Assert.Equal(78, code);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("conveyor: bad setting: Conveyor:Auth:BootstrapAdminKey must look like 'cvk_XXXXXXXX_' followed by at least 32 letters or digits", line);
        Assert.Contains("conveyor keys generate", line);
        Assert.DoesNotContain(bad, line);
        Assert.False(File.Exists(Path.Combine(directory, "data", "conveyor.db")), "nothing ran: no store was created");
    }

    [Fact]
    public async Task A_value_of_the_wrong_type_names_its_key_on_one_line_and_a_wrong_flag_is_a_usage_error()
    {
        var directory = Directory.CreateTempSubdirectory("conveyor-bad-type-").FullName;
        var (code, output) = await ConveyorProcess.RunAsync(directory, "serve", "--Conveyor:Workers:Count=many");
        Assert.Equal(78, code);
        Assert.Equal("conveyor: bad setting: Failed to convert configuration value 'many' at 'Conveyor:Workers:Count' to type 'System.Int32'.",
            Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries)));

        var usage = await ConveyorProcess.RunAsync(directory, "serve", "--workers", "many");
        Assert.Equal(2, usage.ExitCode);
        Assert.Contains("Run 'conveyor serve --help' for usage.", usage.Output);
    }

    [Fact]
    public async Task Keys_generate_prints_a_fresh_key_that_a_first_start_takes_as_its_bootstrap_admin_key()
    {
        var directory = Directory.CreateTempSubdirectory("conveyor-generate-").FullName;
        var first = await ConveyorProcess.RunAsync(directory, "keys", "generate");
        var second = await ConveyorProcess.RunAsync(directory, "keys", "generate");
        Assert.Equal(0, first.ExitCode);
        var key = first.Output.Trim();
        Assert.Matches(@"^cvk_[A-Za-z0-9]{8}_[A-Za-z0-9]{32}$", key);
        Assert.NotEqual(key, second.Output.Trim());
        Assert.False(Directory.Exists(Path.Combine(directory, "data")), "generate touches no store");

        var info = ConveyorProcess.StartInfo(directory, "serve", "--workers", "0");
        info.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        info.Environment["Conveyor__Auth__BootstrapAdminKey"] = key;
        await using var serve = RunningProcess.Start(info);
        var output = await serve.WaitForOutputAsync(o => Listening().IsMatch(o), TimeSpan.FromSeconds(60), "serve to print its URL");
        Assert.DoesNotMatch(AdminKey(), output);
        using var client = new HttpClient { BaseAddress = new Uri(Listening().Match(output).Groups[1].Value) };
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        using var jobs = await client.GetAsync("/api/v1/jobs");
        Assert.Equal(HttpStatusCode.OK, jobs.StatusCode);
    }

    /// <summary>The clone this test was built from: the folder above the test binaries that holds Conveyor.slnx.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Conveyor.slnx"))) return dir.FullName;
        }
        throw new InvalidOperationException("No Conveyor.slnx above " + AppContext.BaseDirectory);
    }
}
