namespace Conveyor.Storage;

/// <summary>
/// Fans one "work is due" signal out to every subscribed worker loop in this process. A signal sent while
/// a subscriber is busy is kept (once), so a wake-up is never lost between two waits.
/// </summary>
public sealed class QueueSignalHub
{
    private readonly Lock _lock = new();
    private readonly List<Subscription> _subscriptions = [];

    public void Signal()
    {
        lock (_lock)
        {
            foreach (var subscription in _subscriptions) subscription.Set();
        }
    }

    public IQueueSignal Subscribe()
    {
        var subscription = new Subscription(this);
        lock (_lock) _subscriptions.Add(subscription);
        return subscription;
    }

    private void Remove(Subscription subscription)
    {
        lock (_lock) _subscriptions.Remove(subscription);
    }

    private sealed class Subscription(QueueSignalHub hub) : IQueueSignal
    {
        private readonly SemaphoreSlim _pending = new(0, 1);

        public void Set()
        {
            try
            {
                if (_pending.CurrentCount == 0) _pending.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already signalled: one pending wake-up is enough.
            }
        }

        public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => _pending.WaitAsync(timeout, ct);

        public ValueTask DisposeAsync()
        {
            hub.Remove(this);
            _pending.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
