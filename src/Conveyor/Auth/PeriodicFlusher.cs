namespace Conveyor.Auth;

/// <summary>
/// A background service that writes what it has gathered every <see cref="Interval"/>, and once more when the host
/// stops, so nothing noted before a graceful shutdown is lost.
/// </summary>
public abstract class PeriodicFlusher(TimeProvider time) : BackgroundService
{
    protected TimeProvider Time { get; } = time;

    protected abstract TimeSpan Interval { get; }

    /// <summary>Writes what was gathered since the last flush.</summary>
    public abstract Task FlushAsync(CancellationToken ct);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, Time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) await FlushAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await FlushAsync(cancellationToken);
    }
}
