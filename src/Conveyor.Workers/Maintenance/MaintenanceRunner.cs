using Conveyor.Workers.Leadership;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Conveyor.Workers.Maintenance;

/// <summary>
/// Runs each <see cref="IMaintenanceService"/> on its own interval, and only while this node is the leader
/// (<see cref="LeaderElector.IsLeader"/>, checked at every tick): on every other node the services sleep.
/// </summary>
public sealed class MaintenanceRunner(IEnumerable<IMaintenanceService> services, LeaderElector leadership, TimeProvider time,
    ILogger<MaintenanceRunner> logger) : IHostedService, IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task[] _loops = [];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loops = services.Select(service => Task.Run(
            () => Every.RunAsync(service.Name, service.Interval, ct => RunIfLeaderAsync(service, ct), time, logger, _stop.Token),
            CancellationToken.None)).ToArray();
        return Task.CompletedTask;
    }

    private Task RunIfLeaderAsync(IMaintenanceService service, CancellationToken ct) =>
        leadership.IsLeader ? service.RunOnceAsync(ct) : Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_loops).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_loops).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }
}
