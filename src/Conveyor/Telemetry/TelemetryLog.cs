namespace Conveyor.Telemetry;

internal static partial class TelemetryLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "The store's gauges could not be read for /metrics")]
    public static partial void StoreUnreadable(ILogger logger, Exception exception);
}
