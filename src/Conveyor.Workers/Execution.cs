using Conveyor.Core;

namespace Conveyor.Workers;

/// <summary>One job running in this process: its token, its progress and why it was told to stop.</summary>
internal sealed class Execution(Job job) : IDisposable
{
    private int _stopReason;

    public Job Job { get; } = job;
    public CancellationTokenSource Cancellation { get; } = new();
    public ProgressReporter Progress { get; } = new(job.Id);

    public StopReason StopReason => (StopReason)Volatile.Read(ref _stopReason);

    /// <summary>Cancels the handler's token; the first reason given wins.</summary>
    public void Stop(StopReason reason)
    {
        Interlocked.CompareExchange(ref _stopReason, (int)reason, (int)StopReason.None);
        try
        {
            Cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Finished meanwhile.
        }
    }

    public void Dispose() => Cancellation.Dispose();
}
