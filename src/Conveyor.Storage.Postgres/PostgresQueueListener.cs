using Microsoft.Extensions.Logging;
using Npgsql;

namespace Conveyor.Storage.Postgres;

/// <summary>
/// One dedicated connection per store that <c>LISTEN</c>s on the queue channel and fans each notification out
/// through a <see cref="QueueSignalHub"/>. It starts on first use and reconnects with back-off when it fails.
/// </summary>
internal sealed class PostgresQueueListener : IAsyncDisposable
{
    private static readonly TimeSpan IdleCheck = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(30);

    private readonly NpgsqlDataSource _dataSource;
    private readonly QueueSignalHub _hub;
    private readonly string _channel;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _firstAttempt = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _lock = new();
    private Task? _loop;

    public PostgresQueueListener(NpgsqlDataSource dataSource, QueueSignalHub hub, string channel, ILogger logger)
    {
        _dataSource = dataSource;
        _hub = hub;
        _channel = channel;
        _logger = logger;
    }

    /// <summary>Starts listening once; waits until the first connection attempt has succeeded or failed.</summary>
    public Task EnsureStartedAsync(CancellationToken ct)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_stop.IsCancellationRequested, this);
            _loop ??= Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
        }
        return _firstAttempt.Task.WaitAsync(ct);
    }

    private async Task RunAsync(CancellationToken stop)
    {
        var delay = FirstRetry;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await using var connection = await _dataSource.OpenConnectionAsync(stop);
                connection.Notification += (_, _) => _hub.Signal();
                await using (var listen = connection.CreateCommand())
                {
                    // The channel is a constant of the driver, never client input: LISTEN takes no parameters.
                    listen.CommandText = $"LISTEN {_channel}";
                    await listen.ExecuteNonQueryAsync(stop);
                }
                PostgresLog.Listening(_logger, _channel);
                _firstAttempt.TrySetResult();
                // Jobs may have been enqueued while nobody was listening.
                _hub.Signal();
                delay = FirstRetry;
                while (true)
                {
                    if (await connection.WaitAsync(IdleCheck, stop)) continue;
                    // Quiet for a while: make sure the connection is still alive rather than silently cut.
                    await using var ping = connection.CreateCommand();
                    ping.CommandText = "SELECT 1";
                    await ping.ExecuteScalarAsync(stop);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                PostgresLog.ListenerFailed(_logger, e, delay);
                _firstAttempt.TrySetResult();
                try
                {
                    // Real time, not the store's TimeProvider: a test clock must not stall reconnection.
                    await Task.Delay(delay, stop);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetry.Ticks));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        Task? loop;
        lock (_lock)
        {
            if (_stop.IsCancellationRequested) return;
            _stop.Cancel();
            loop = _loop;
        }
        if (loop is not null)
        {
            try
            {
                await loop;
            }
            catch (Exception e) when (e is OperationCanceledException or NpgsqlException)
            {
                // Stopping: whatever the connection was doing no longer matters.
            }
        }
        _stop.Dispose();
    }
}
