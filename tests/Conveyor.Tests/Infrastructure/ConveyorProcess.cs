using System.Diagnostics;

namespace Conveyor.Tests.Infrastructure;

/// <summary>Runs the built <c>conveyor</c> executable as a user would, in a directory of the test's choosing.</summary>
public static class ConveyorProcess
{
    public static ProcessStartInfo StartInfo(string workingDirectory, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "conveyor.dll"));
        foreach (var arg in args) info.ArgumentList.Add(arg);
        info.Environment["DOTNET_NOLOGO"] = "1";
        return info;
    }

    /// <summary>Runs to completion and returns the exit code and everything it printed.</summary>
    public static Task<(int ExitCode, string Output)> RunAsync(string workingDirectory, params string[] args) =>
        RunAsync(StartInfo(workingDirectory, args));

    /// <summary>Runs <paramref name="info"/> (from <see cref="StartInfo"/>, perhaps with more environment) to completion.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(ProcessStartInfo info)
    {
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
