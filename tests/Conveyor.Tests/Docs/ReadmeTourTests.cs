using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Conveyor.Tests.Docs;

/// <summary>
/// README's five-minute tour, run as written: every <c>$ </c> line in one shell, against a fresh <c>conveyor serve</c>
/// in a fresh data directory; the lines under a command are what it must print (in order; <c>…</c> stands for
/// anything, runs of spaces count as one), <c>[exit N]</c> the exit code it must end with (else 0).
/// </summary>
public sealed partial class ReadmeTourTests
{
    [GeneratedRegex(@"Conveyor is listening on (http://127\.0\.0\.1:\d+)")]
    private static partial Regex Listening();

    [GeneratedRegex(@"Admin key \(shown once, keep it safe\): (cvk_\w+)")]
    private static partial Regex AdminKey();

    [GeneratedRegex(@"^\[exit (\d+)\]$")]
    private static partial Regex ExitLine();

    [GeneratedRegex(@" +")]
    private static partial Regex Spaces();

    private sealed record Step(string Command, List<string> Expected, int ExitCode);

    private static List<Step> Tour()
    {
        var readme = File.ReadAllLines(Path.Combine(NewcomerPathTests.RepositoryRoot(), "README.md"));
        var start = Array.FindIndex(readme, l => l == "## A five-minute tour");
        Assert.True(start >= 0, "README has a five-minute tour");
        var open = Array.FindIndex(readme, start, l => l == "```console");
        var close = Array.FindIndex(readme, open + 1, l => l == "```");
        var steps = new List<Step>();
        foreach (var line in readme[(open + 1)..close])
        {
            if (line.StartsWith("$ ", StringComparison.Ordinal)) steps.Add(new Step(line[2..], [], 0));
            else if (ExitLine().Match(line) is { Success: true } exit) steps[^1] = steps[^1] with { ExitCode = int.Parse(exit.Groups[1].Value) };
            else steps[^1].Expected.Add(line);
        }
        return steps;
    }

    private static bool Matches(string expected, string actual)
    {
        var pattern = string.Join(".*", Spaces().Replace(expected.Trim(), " ").Split('…').Select(Regex.Escape));
        return Regex.IsMatch(Spaces().Replace(actual.Trim(), " "), "^" + pattern + "$");
    }

    [Fact]
    public async Task Every_command_of_the_tour_prints_what_the_readme_says()
    {
        var steps = Tour();
        Assert.True(steps.Count >= 8, $"{steps.Count} steps");

        var serverDirectory = Directory.CreateTempSubdirectory("conveyor-tour-server-").FullName;
        var info = Infrastructure.ConveyorProcess.StartInfo(serverDirectory, "serve", "--workers", "1");
        info.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        await using var server = Infrastructure.RunningProcess.Start(info);
        var banner = await server.WaitForOutputAsync(o => Listening().IsMatch(o), TimeSpan.FromSeconds(60), "serve to print its URL");
        var url = Listening().Match(banner).Groups[1].Value;
        var key = AdminKey().Match(banner).Groups[1].Value;

        var here = Directory.CreateTempSubdirectory("conveyor-tour-").FullName;
        var bin = Directory.CreateDirectory(Path.Combine(here, ".bin")).FullName;
        var wrapper = Path.Combine(bin, "conveyor");
        await File.WriteAllTextAsync(wrapper, $"#!/bin/sh\nexec dotnet '{Path.Combine(AppContext.BaseDirectory, "conveyor.dll")}' \"$@\"\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var script = new StringBuilder();
        for (var i = 0; i < steps.Count; i++)
        {
            var command = steps[i].Command.Replace("http://127.0.0.1:5080", url).Replace("cvk_…", key);
            // The echo before the marker ends a last line printed without a newline (curl's JSON).
            script.Append($"echo '@@step {i}'\n{command}\ncode=$?; echo; echo \"@@exit $code\"\n");
        }
        var shell = new ProcessStartInfo("bash") { WorkingDirectory = here, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        shell.Environment["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH");
        shell.Environment["XDG_CONFIG_HOME"] = Path.Combine(here, ".config");
        shell.Environment["DOTNET_NOLOGO"] = "1";
        shell.Environment.Remove("CONVEYOR_URL");
        shell.Environment.Remove("CONVEYOR_API_KEY");
        using var bash = Process.Start(shell)!;
        await bash.StandardInput.WriteAsync(script.ToString());
        bash.StandardInput.Close();
        var stdout = bash.StandardOutput.ReadToEndAsync();
        var stderr = bash.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await bash.WaitForExitAsync(timeout.Token);
        var output = (await stdout).Split('\n');

        for (var i = 0; i < steps.Count; i++)
        {
            var from = Array.IndexOf(output, $"@@step {i}");
            var exit = Array.FindIndex(output, from + 1, l => l.StartsWith("@@exit ", StringComparison.Ordinal));
            Assert.True(from >= 0 && exit > from, $"step {i} ({steps[i].Command}) did not finish:\n{string.Join('\n', output)}\n{await stderr}");
            var printed = output[(from + 1)..exit];
            var context = $"$ {steps[i].Command}\nprinted:\n{string.Join('\n', printed)}\nstderr:\n{await stderr}";
            Assert.True(steps[i].ExitCode == int.Parse(output[exit]["@@exit ".Length..]), $"exit {output[exit]}, expected {steps[i].ExitCode}\n{context}");
            var at = 0;
            foreach (var expected in steps[i].Expected)
            {
                while (at < printed.Length && !Matches(expected, printed[at])) at++;
                Assert.True(at < printed.Length, $"'{expected}' was not printed (in order)\n{context}");
                at++;
            }
        }
    }
}
