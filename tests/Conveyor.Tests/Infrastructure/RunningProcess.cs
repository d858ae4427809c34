using System.Collections.Concurrent;
using System.Diagnostics;

namespace Conveyor.Tests.Infrastructure;

/// <summary>A long-running process (a <c>conveyor serve</c>, a <c>dotnet run</c>) with its output captured line by line; killed on dispose.</summary>
public sealed class RunningProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    private RunningProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) _lines.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _lines.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public static RunningProcess Start(ProcessStartInfo info) =>
        new(Process.Start(info) ?? throw new InvalidOperationException($"Could not start {info.FileName}."));

    /// <summary>Everything printed so far, stdout and stderr interleaved as they arrived.</summary>
    public string Output => string.Join('\n', _lines);

    public IReadOnlyCollection<string> Lines => _lines;

    /// <summary>Waits until the output satisfies <paramref name="done"/>; fails with the output so far if the process exits first.</summary>
    public Task<string> WaitForOutputAsync(Func<string, bool> done, TimeSpan timeout, string what) =>
        Eventually.WaitAsync(() =>
        {
            var output = Output;
            if (!done(output) && _process.HasExited) throw new InvalidOperationException($"The process exited ({_process.ExitCode}) before {what}:\n{output}");
            return Task.FromResult(output);
        }, done, timeout, what);

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
