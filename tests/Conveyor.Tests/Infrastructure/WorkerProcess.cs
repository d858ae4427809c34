using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Conveyor.Tests.Infrastructure;

/// <summary>A real <c>conveyor worker</c> process on PostgreSQL, with its console output captured line by line.</summary>
public sealed partial class WorkerProcess : IAsyncDisposable
{
    private const int SigTerm = 15;
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    private WorkerProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) _lines.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _lines.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public IReadOnlyCollection<string> Lines => _lines;
    public bool HasExited => _process.HasExited;

    public static WorkerProcess Start(string connectionString, int workers, IDictionary<string, string>? settings = null)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "conveyor.dll");
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Directory.CreateTempSubdirectory("conveyor-worker-").FullName,
        };
        info.ArgumentList.Add(dll);
        info.ArgumentList.Add("worker");
        info.ArgumentList.Add("--workers");
        info.ArgumentList.Add(workers.ToString());
        info.Environment["Conveyor__Database__Provider"] = "postgres";
        info.Environment["ConnectionStrings__Conveyor"] = connectionString;
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        info.Environment["Logging__LogLevel__Conveyor.Workers"] = "Debug";
        info.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            info.Environment[key.Replace(":", "__")] = value;
        return new WorkerProcess(Process.Start(info) ?? throw new InvalidOperationException("Could not start conveyor worker."));
    }

    /// <summary>The crash: SIGKILL, no shutdown code runs.</summary>
    public void KillHard() => _process.Kill(entireProcessTree: true);

    /// <summary>The polite stop an orchestrator sends: SIGTERM, then wait for a graceful exit.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (_process.HasExited) return;
        Assert.Equal(0, Kill(_process.Id, SigTerm));
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
