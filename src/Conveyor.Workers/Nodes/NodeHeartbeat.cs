using Conveyor.Storage;
using Conveyor.Workers.Leadership;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Conveyor.Workers.Nodes;

/// <summary>
/// Writes this process's row in the node registry at start and every <see cref="WorkerOptions.HeartbeatInterval"/>: its
/// kind, version, start, workers busy and idle, the jobs it holds and whether it leads; removes the row on a graceful
/// stop. A node that dies leaves a row the leader prunes once it is <see cref="WorkerOptions.NodeStaleAfter"/> old.
/// </summary>
public sealed class NodeHeartbeat(INodeRegistry registry, WorkerRuntime workers, LeaderElector leader, WorkerIdentity identity,
    NodeKind kind, IOptions<WorkerOptions> options, TimeProvider time, ILogger<NodeHeartbeat> logger) : IHostedService, IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly DateTimeOffset _started = time.GetUtcNow();
    private Task _loop = Task.CompletedTask;

    /// <summary>This node's row as it is now.</summary>
    public NodeRecord Current()
    {
        var count = workers.Started ? options.Value.Count : 0;
        return new NodeRecord(identity.Owner, kind.Kind, kind.Version, _started, time.GetUtcNow(), count, workers.RunningCount,
            workers.HeldCount, leader.IsLeader);
    }

    public Task BeatAsync(CancellationToken ct) => registry.HeartbeatAsync(Current(), ct);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loop = Task.Run(async () =>
        {
            try
            {
                await BeatAsync(_stop.Token);
            }
            catch (Exception e) when (!_stop.IsCancellationRequested)
            {
                WorkerLog.LoopFailed(logger, e, "node heartbeat", options.Value.HeartbeatInterval);
            }
            await Every.RunAsync("node heartbeat", options.Value.HeartbeatInterval, BeatAsync, time, logger, _stop.Token);
        }, CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync();
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        try
        {
            await registry.RemoveNodeAsync(identity.Owner, cancellationToken);
        }
        catch (Exception e)
        {
            // A stop cut short (the host's timeout, a store that is away or busy) leaves the row: the leader prunes it once
            // it is stale, so the stop itself never fails on it.
            WorkerLog.LoopFailed(logger, e, "node heartbeat", options.Value.HeartbeatInterval);
        }
    }

    private bool _disposed;

    public async ValueTask DisposeAsync()
    {
        // Registered as itself and as a hosted service, so the container disposes it twice.
        if (_disposed) return;
        _disposed = true;
        await _stop.CancelAsync();
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }
}
