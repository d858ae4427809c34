using Microsoft.Extensions.Logging;

namespace Conveyor.Workers;

/// <summary>Runs a body on a fixed interval of the clock until stopped; a failing run is logged and the next tick runs again.</summary>
internal static class Every
{
    public static async Task RunAsync(string name, TimeSpan interval, Func<CancellationToken, Task> body, TimeProvider time, ILogger logger,
        CancellationToken ct)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                try
                {
                    await body(ct);
                }
                catch (Exception e) when (!ct.IsCancellationRequested)
                {
                    WorkerLog.LoopFailed(logger, e, name, interval);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping.
        }
    }
}
