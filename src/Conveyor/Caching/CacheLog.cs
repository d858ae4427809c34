namespace Conveyor.Caching;

/// <summary>The cache's log lines.</summary>
internal static partial class CacheLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning,
        Message = "Redis is unreachable ({Error}): job status reads go to the store until it is back")]
    public static partial void RedisAway(ILogger logger, string error);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information,
        Message = "Redis is back: cache entries written before the outage were dropped")]
    public static partial void RedisBack(ILogger logger);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information,
        Message = "Near cache on: this node's Redis subscription delivers changes, repeated job reads are answered from memory")]
    public static partial void NearCacheOn(ILogger logger);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information,
        Message = "Near cache off until the Redis subscription is back: job reads go to Redis or the store")]
    public static partial void NearCacheOff(ILogger logger);
}
