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

    [LoggerMessage(EventId = 1009, Level = LogLevel.Information, Message = "Node {NodeId} is now the leader: it runs the maintenance services")]
    public static partial void BecameLeader(ILogger logger, string nodeId);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Warning, Message = "Node {NodeId} is no longer the leader (leader: {Leader})")]
    public static partial void LostLeadership(ILogger logger, string nodeId, string leader);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Debug, Message = "leader.elected {Leader} until {ExpiresAt:O} (seen by {NodeId})")]
    public static partial void LeaderSeen(ILogger logger, string leader, DateTimeOffset expiresAt, string nodeId);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Information, Message = "Node {NodeId} resigned as leader")]
    public static partial void Resigned(ILogger logger, string nodeId);

    [LoggerMessage(EventId = 1013, Level = LogLevel.Warning, Message = "Node {NodeId} could not resign as leader; its term expires by itself")]
    public static partial void ResignFailed(ILogger logger, Exception exception, string nodeId);
}
