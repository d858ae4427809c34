using Microsoft.Extensions.Logging;

namespace Conveyor.Storage.Postgres;

/// <summary>Source-generated log messages of the PostgreSQL driver.</summary>
internal static partial class PostgresLog
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Applying PostgreSQL migration {Version} {Name}")]
    public static partial void ApplyingMigration(ILogger logger, int version, string name);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Listening for queue notifications on {Channel}")]
    public static partial void Listening(ILogger logger, string channel);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning,
        Message = "Queue notification listener failed; reconnecting in {Delay} (workers fall back to polling meanwhile)")]
    public static partial void ListenerFailed(ILogger logger, Exception exception, TimeSpan delay);

}
