using System.Diagnostics;

namespace Conveyor.Tests.Infrastructure;

/// <summary>
/// A command-line tool the tests run (Redocly, openapi-typescript, tsc, node), found through the variable ./test.sh
/// exports. Without it the test fails, never skips: a missing tool must not turn a CI run green.
/// </summary>
public static class ExternalTool
{
    public static string Path(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value && File.Exists(value)
            ? value
            : throw new InvalidOperationException($"{variable} is not set to an existing file: run the tests through ./test.sh, which installs the tool.");

    /// <summary>Runs <paramref name="file"/> to completion; its exit code, stdout and stderr.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string file, string workingDirectory, IEnumerable<string> args,
        TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        info.Environment["NO_COLOR"] = "1";
        info.Environment["REDOCLY_TELEMETRY"] = "off";
        info.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in time.");
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
