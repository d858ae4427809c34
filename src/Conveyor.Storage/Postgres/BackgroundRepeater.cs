namespace Conveyor.Storage.Postgres;

/// <summary>
/// Runs one piece of maintenance in the background when asked: one run at a time, and any requests made during a
/// run fold into a single run after it, so a burst of requests costs at most two runs. Disposing stops it and
/// waits for the run in progress.
/// </summary>
internal sealed class BackgroundRepeater(Func<CancellationToken, Task> work) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private Task _running = Task.CompletedTask;
    private bool _active;
    private bool _again;

    public void Request()
    {
        lock (_gate)
        {
            if (_stop.IsCancellationRequested) return;
            if (_active)
            {
                _again = true;
                return;
            }
            _active = true;
            _running = Task.Run(RunAsync);
        }
    }

    private async Task RunAsync()
    {
        while (true)
        {
            try
            {
                await work(_stop.Token);
            }
            catch
            {
                // The next request starts a new run.
                lock (_gate) _active = false;
                throw;
            }
            lock (_gate)
            {
                // Deciding to stop and saying so under one lock: a request arriving after this starts a new run.
                if (!_again || _stop.IsCancellationRequested)
                {
                    _active = false;
                    return;
                }
                _again = false;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        Task running;
        lock (_gate)
        {
            // Twice is allowed: a host disposes the store both as IAsyncDisposable and through its owner.
            if (_stop.IsCancellationRequested) return;
            _stop.Cancel();
            running = _running;
        }
        try
        {
            await running;
        }
        catch (OperationCanceledException)
        {
            // Stopped part-way, as asked.
        }
    }
}
