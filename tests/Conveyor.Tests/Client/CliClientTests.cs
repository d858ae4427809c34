using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Conveyor.Tests.Infrastructure;

namespace Conveyor.Tests.Client;

/// <summary>
/// The client commands of the real <c>conveyor</c> executable against a real server with one worker: the exit codes,
/// <c>--json</c> on every command, the login profile, and the bars and live table in a pseudo-terminal.
/// </summary>
public sealed class CliClientTests : IAsyncLifetime
{
    private TestServer _server = null!;
    private string _work = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(Provider.Sqlite, new Dictionary<string, string> { ["Conveyor:Workers:Count"] = "1" });
        _work = Directory.CreateTempSubdirectory("conveyor-cli-client-").FullName;
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    private ProcessStartInfo Cli(string? key, params string[] args)
    {
        var info = ConveyorProcess.StartInfo(_work, args);
        info.RedirectStandardInput = true;
        info.Environment["CONVEYOR_URL"] = _server.Address.ToString();
        if (key is not null) info.Environment["CONVEYOR_API_KEY"] = key;
        else info.Environment.Remove("CONVEYOR_API_KEY");
        // No profile from the machine's real home directory.
        info.Environment["XDG_CONFIG_HOME"] = Path.Combine(_work, "config");
        return info;
    }

    private async Task<(int Code, string Stdout, string Stderr)> RunWithKeyAsync(string? key, params string[] args)
    {
        using var process = Process.Start(Cli(key, args))!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    private Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args) => RunWithKeyAsync(_server.AdminKey, args);

    private string CsvFile(string name, int rows)
    {
        var csv = new StringBuilder("id,name\n");
        for (var i = 1; i <= rows; i++) csv.Append(i).Append(",n").Append(i).Append('\n');
        var path = Path.Combine(_work, name);
        File.WriteAllText(path, csv.ToString());
        return path;
    }

    [Fact]
    public async Task Submit_follow_json_exits_0_with_the_final_job()
    {
        var (code, stdout, stderr) = await RunAsync("submit", CsvFile("people.csv", 500), "--dataset", "people", "--follow", "--json");
        Assert.True(code == 0, stdout + stderr);
        var job = Assert.Single(JsonNode.Parse(stdout)!.AsArray())!;
        Assert.Equal("succeeded", job["status"]!.GetValue<string>());
        Assert.Equal(500, job["records_processed"]!.GetValue<long>());
        Assert.Equal("people.csv", job["file_name"]!.GetValue<string>());
        Assert.Equal("people", job["dataset"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_job_that_fails_makes_follow_exit_1_and_names_the_error()
    {
        var path = Path.Combine(_work, "broken.ndjson");
        await File.WriteAllTextAsync(path, "{\"a\":1}\nnot json at all\n{\"a\":\n");
        var (code, stdout, stderr) = await RunAsync("ingest", path, "--follow");
        Assert.True(code == 1, $"exit {code}: {stdout}{stderr}");
        Assert.Matches(@"^[0-9a-f-]{36} failed \d+ rows: ", stdout.Trim());
    }

    [Fact]
    public async Task A_wrong_key_exits_3_with_one_clear_line_and_no_key_says_how_to_give_one()
    {
        var (code, stdout, stderr) = await RunWithKeyAsync("cvk_AAAAAAAA_" + new string('b', 32), "jobs", "list");
        Assert.Equal(3, code);
        Assert.Equal("", stdout);
        Assert.Equal("conveyor: 401 Unauthorized: Authentication is required. (the API key was refused (wrong, revoked or expired))", stderr.Trim());

        var none = await RunWithKeyAsync(null, "jobs", "list");
        Assert.Equal(3, none.Code);
        Assert.Contains("no API key: set CONVEYOR_API_KEY or run 'conveyor login'", none.Stderr);
    }

    [Fact]
    public async Task Exit_codes_say_not_found_conflict_usage_and_an_unreachable_server()
    {
        var missing = await RunAsync("jobs", "show", "0198f0c2-6a4e-7a51-9d0e-3f2b8c1d4e5f");
        Assert.Equal(4, missing.Code);
        Assert.Equal("conveyor: 404 Not found: Job 0198f0c2-6a4e-7a51-9d0e-3f2b8c1d4e5f was not found.", missing.Stderr.Trim());

        var done = await RunAsync("submit", CsvFile("one.csv", 1), "--follow", "--json");
        var id = JsonNode.Parse(done.Stdout)![0]!["id"]!.GetValue<string>();
        var conflict = await RunAsync("jobs", "cancel", id, "--json");
        Assert.Equal(5, conflict.Code);
        Assert.Equal(409, JsonNode.Parse(conflict.Stdout)!["error"]!["status"]!.GetValue<int>());

        Assert.Equal(2, (await RunAsync("jobs", "show", "not-a-guid")).Code);
        Assert.Equal(2, (await RunAsync("jobs", "list", "--status", "finished")).Code);
        Assert.Equal(2, (await RunAsync("submit", Path.Combine(_work, "nowhere.csv"))).Code);

        var info = Cli(_server.AdminKey, "jobs", "list", "--server", "http://127.0.0.1:1");
        var (code, output) = await ConveyorProcess.RunAsync(info);
        Assert.Equal(6, code);
        Assert.StartsWith("conveyor: cannot reach http://127.0.0.1:1/", output.Trim());
    }

    [Fact]
    public async Task Json_output_parses_for_every_command()
    {
        var submitted = await RunAsync("submit", CsvFile("a.csv", 3), "--dataset", "a", "--json");
        Assert.True(submitted.Code == 0, submitted.Stderr);
        var id = JsonNode.Parse(submitted.Stdout)![0]!["id"]!.GetValue<string>();
        var ingest = Path.Combine(_work, "e.json");
        await File.WriteAllTextAsync(ingest, "[{\"a\":1},{\"a\":2}]");
        var ingested = await RunAsync("ingest", ingest, "--dataset", "e", "--follow", "--json");
        Assert.True(ingested.Code == 0, ingested.Stdout + ingested.Stderr);
        Assert.Equal("json", JsonNode.Parse(ingested.Stdout)!["type"]!.GetValue<string>());
        await RunAsync("submit", CsvFile("b.csv", 2), "--dataset", "a", "--follow", "--json");
        var failing = Path.Combine(_work, "f.ndjson");
        await File.WriteAllTextAsync(failing, "{\"a\":1}\nnot json at all\n");
        var failed = JsonNode.Parse((await RunAsync("ingest", failing, "--follow", "--json")).Stdout)!;
        var failedId = failed["id"]!.GetValue<string>();
        Assert.Equal("failed", failed["status"]!.GetValue<string>());

        string[][] commands =
        [
            ["jobs", "list"], ["jobs", "list", "--status", "succeeded,failed", "--limit", "2"], ["jobs", "show", id], ["jobs", "events", id],
            ["jobs", "retry", failedId], ["jobs", "requeue", failedId], ["jobs", "cancel", id], ["datasets", "list"], ["datasets", "export", "a"],
        ];
        foreach (var command in commands)
        {
            var (code, stdout, stderr) = await RunAsync([.. command, "--json"]);
            Assert.True(code is 0 or 5, $"{string.Join(' ', command)}: exit {code} {stderr}");
            Assert.True(JsonNode.Parse(stdout) is not null, $"{string.Join(' ', command)} printed no JSON: {stdout}");
        }
        var exported = JsonNode.Parse((await RunAsync("datasets", "export", "a", "--json")).Stdout)!.AsArray();
        Assert.Equal(5, exported.Count);
        Assert.Equal("n1", exported[0]!["data"]!["name"]!.GetValue<string>());
        var list = JsonNode.Parse((await RunAsync("jobs", "list", "--status", "succeeded", "--json")).Stdout)!;
        Assert.Equal(3, list["total"]!.GetValue<long>());

        var watch = await RunAsync("jobs", "watch", "--iterations", "2", "--interval", "0.1", "--json");
        var pages = watch.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, pages.Length);
        Assert.All(pages, p => Assert.True(JsonNode.Parse(p)!["items"]!.AsArray().Count > 0));

        var csv = (await RunAsync("datasets", "export", "a")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(6, csv.Length);
    }

    private const string Vtt = """
        WEBVTT

        00:00.000 --> 00:04.000
        Welcome to week one of biology. Cells are the unit of life.

        00:04.000 --> 00:09.500
        Today we study the membrane and its proteins. The membrane controls what enters the cell.

        """;

    [Fact]
    public async Task Sessions_add_follow_list_and_show_print_the_session_and_their_json_parses()
    {
        var course = "bio-" + Guid.NewGuid().ToString("N")[..8];
        var vtt = Path.Combine(_work, "week1.vtt");
        await File.WriteAllTextAsync(vtt, Vtt);

        var added = await RunAsync("sessions", "add", vtt, "--course", course, "--title", "Week 1", "--follow", "--json");
        Assert.True(added.Code == 0, added.Stdout + added.Stderr);
        var ready = JsonNode.Parse(added.Stdout)!;
        Assert.Equal("Ready", ready["status_badge"]!["label"]!.GetValue<string>());
        Assert.Equal("webvtt", ready["transcript"]!["format"]!.GetValue<string>());
        Assert.Equal(2, ready["transcript"]!["segments"]!.AsArray().Count);
        Assert.NotEmpty(ready["summary"]!["key_points"]!.AsArray());
        var id = ready["id"]!.GetValue<string>();

        var inline = await RunAsync("sessions", "add", "--course", course, "--title", "Week 2", "--transcript", "Cells divide. Division makes two cells.", "--quiet");
        Assert.True(inline.Code == 0, inline.Stderr);
        var inlineId = Guid.Parse(inline.Stdout.Trim()).ToString();

        var listed = JsonNode.Parse((await RunAsync("sessions", "list", "--course", course, "--json")).Stdout)!;
        Assert.Equal([inlineId, id], listed["items"]!.AsArray().Select(s => s!["id"]!.GetValue<string>()));
        Assert.Null(listed["items"]![1]!["transcript"]);
        var page = JsonNode.Parse((await RunAsync("sessions", "list", "--course", course, "--limit", "1", "--json")).Stdout)!;
        Assert.Equal(inlineId, Assert.Single(page["items"]!.AsArray())!["id"]!.GetValue<string>());
        var rest = await RunAsync("sessions", "list", "--course", course, "--cursor", page["next_cursor"]!.GetValue<string>(), "--quiet");
        Assert.Equal(id, rest.Stdout.Trim());

        var table = await RunAsync("sessions", "list", "--course", course);
        Assert.Contains("Week 1", table.Stdout);
        Assert.Contains("Ready", table.Stdout);
        Assert.Contains("2 sessions", table.Stdout);

        var shown = await RunAsync("sessions", "show", id, "--transcript");
        Assert.True(shown.Code == 0, shown.Stderr);
        Assert.Contains("webvtt, 2 segments, 9.5 s", shown.Stdout);
        Assert.Contains("• ", shown.Stdout);
        Assert.Contains("00:04.000", shown.Stdout);
        Assert.Contains("The membrane controls what enters the cell.", shown.Stdout);
        Assert.Equal("Ready", JsonNode.Parse((await RunAsync("sessions", "show", id, "--json")).Stdout)!["status_badge"]!["label"]!.GetValue<string>());

        var missing = await RunAsync("sessions", "show", Guid.NewGuid().ToString());
        Assert.Equal(4, missing.Code);
        var noSource = await RunAsync("sessions", "add", "--course", course, "--title", "Nothing");
        Assert.Equal(2, noSource.Code);
        Assert.Contains("source", noSource.Stderr);
        Assert.Equal(2, JsonNode.Parse((await RunAsync("sessions", "list", "--course", course, "--json")).Stdout)!["items"]!.AsArray().Count);
    }

    [Fact]
    public async Task Login_checks_the_key_and_saves_a_profile_only_its_owner_can_read()
    {
        var info = Cli(null, "login", "--server", _server.Address.ToString());
        info.RedirectStandardInput = true;
        using (var process = Process.Start(info)!)
        {
            await process.StandardInput.WriteLineAsync(_server.AdminKey);
            process.StandardInput.Close();
            var output = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, output + await process.StandardError.ReadToEndAsync());
        }
        var profile = Path.Combine(_work, "config", "conveyor", "profile.json");
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(profile));
        Assert.Contains(_server.AdminKey, await File.ReadAllTextAsync(profile));

        // Neither CONVEYOR_URL nor CONVEYOR_API_KEY: the profile says where and with what.
        var listing = Cli(null, "jobs", "list", "--json");
        listing.Environment.Remove("CONVEYOR_URL");
        var (code, output2) = await ConveyorProcess.RunAsync(listing);
        Assert.True(code == 0, output2);

        var refused = Cli(null, "login", "--server", _server.Address.ToString());
        refused.Environment["CONVEYOR_API_KEY"] = "cvk_AAAAAAAA_" + new string('c', 32);
        Assert.Equal(3, (await ConveyorProcess.RunAsync(refused)).ExitCode);
        Assert.Contains(_server.AdminKey, await File.ReadAllTextAsync(profile));
    }

    [Fact]
    public async Task Submit_follow_sessions_add_and_watch_render_bars_and_a_live_table_in_a_pseudo_terminal()
    {
        var path = CsvFile("big.csv", 30_000);
        var dll = Path.Combine(AppContext.BaseDirectory, "conveyor.dll");
        var submit = await Pty($"dotnet {dll} submit {path} --dataset big --follow");
        Assert.True(submit.Code == 0, submit.Output);
        Assert.Contains("\u001b[", submit.Output);          // ANSI: it knew it was on a terminal
        Assert.Contains("upload big.csv", submit.Output);
        Assert.Contains("100%", submit.Output);
        Assert.Contains("succeeded", submit.Output);
        Assert.Contains("30,000 rows", submit.Output);

        var watch = await Pty($"dotnet {dll} jobs watch --iterations 2 --interval 0.2");
        Assert.True(watch.Code == 0, watch.Output);
        Assert.Contains("status", watch.Output);
        Assert.Contains("big", watch.Output);
        Assert.Contains("Ctrl-C to stop", watch.Output);

        var vtt = Path.Combine(_work, "live.vtt");
        await File.WriteAllTextAsync(vtt, Vtt);
        var session = await Pty($"dotnet {dll} sessions add {vtt} --course live --title Lecture --follow");
        Assert.True(session.Code == 0, session.Output);
        Assert.Contains("upload live.vtt", session.Output);
        Assert.Contains("Lecture", session.Output);
        Assert.Contains("Ready", session.Output);

        var plain = await Pty($"dotnet {dll} jobs list", noColor: true);
        Assert.Contains("succeeded", plain.Output);
        Assert.DoesNotMatch(@"\u001b\[[0-9;]*3[0-9]m|\u001b\[38;", plain.Output); // no colour under NO_COLOR
    }

    /// <summary>Runs a command line in a pseudo-terminal (util-linux <c>script</c>), as a person at a terminal would.</summary>
    private async Task<(int Code, string Output)> Pty(string commandLine, bool noColor = false)
    {
        var info = Cli(_server.AdminKey, "--version");
        info.FileName = "script";
        info.ArgumentList.Clear();
        // A terminal of a known size: script's pty otherwise takes whatever size (if any) the test runner's terminal has.
        foreach (var arg in new[] { "-q", "-e", "-c", $"stty cols 160 rows 50; {commandLine}", "/dev/null" }) info.ArgumentList.Add(arg);
        info.Environment["TERM"] = "xterm-256color";
        if (noColor) info.Environment["NO_COLOR"] = "1";
        else info.Environment.Remove("NO_COLOR");
        info.RedirectStandardInput = true;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
