using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Conveyor.Sessions.Transcription;

/// <summary>Runs a program directly (no shell: arguments are passed as they are), with a timeout that kills its process tree.</summary>
internal static class ProgramRunner
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr, bool TimedOut);

    /// <summary>Null when the program could not be started (not found, not executable).</summary>
    public static async Task<Result?> RunAsync(
        IReadOnlyList<string> command, string workingDirectory, TimeSpan timeout, TimeProvider time, CancellationToken ct)
    {
        var start = new ProcessStartInfo(command[0])
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in command.Skip(1)) start.ArgumentList.Add(argument);

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception)
        {
            return null;
        }
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var deadline = new CancellationTokenSource(timeout, time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(either.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
            timedOut = true;
        }
        return new Result(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false), timedOut);
    }

    /// <summary>The end of a program's stderr, for the server log.</summary>
    public static string Tail(string stderr, int characters = 4000) =>
        stderr.Length <= characters ? stderr.Trim() : "…" + stderr[^characters..].Trim();
}
