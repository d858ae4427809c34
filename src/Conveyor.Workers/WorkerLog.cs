using Microsoft.Extensions.Logging;

namespace Conveyor.Workers;

/// <summary>Source-generated log messages of the worker's hot paths.</summary>
internal static partial class WorkerLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "Workers started: {Count} as {Owner}")]
    public static partial void Started(ILogger logger, int count, string owner);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Debug, Message = "job.invoked {JobId} type={Type} attempt={Attempt} owner={Owner}")]
    public static partial void Invoked(ILogger logger, Guid jobId, string type, int attempt, string owner);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Job {JobId} failed (ref {ErrorRef})")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, Guid jobId, string errorRef);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Error, Message = "No handler for job {JobId} of type {Type} (ref {ErrorRef})")]
    public static partial void NoHandler(ILogger logger, Guid jobId, string type, string errorRef);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "Worker loop {Loop} failed; retrying in {Delay}")]
    public static partial void LoopFailed(ILogger logger, Exception exception, string loop, TimeSpan delay);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Information, Message = "Rescued {Count} jobs whose lease expired")]
    public static partial void Rescued(ILogger logger, int count);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Information, Message = "Shutting down: {Running} jobs running, waiting up to {Grace}")]
    public static partial void Stopping(ILogger logger, int running, TimeSpan grace);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Information, Message = "Handed {Count} unfinished jobs back to the queue")]
    public static partial void Released(ILogger logger, int count);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Information, Message = "Job {JobId} stopping: {Reason}")]
    public static partial void Stopping(ILogger logger, Guid jobId, string reason);
}
