namespace Conveyor.Storage;

/// <summary>Wakes a worker when jobs were enqueued; waiting always ends by the given timeout (the safety-net poll).</summary>
public interface IQueueSignal : IAsyncDisposable
{
    /// <summary>Waits until work may be due or <paramref name="timeout"/> passes; true when signalled.</summary>
    Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct);
}
