using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Conveyor.Caching;

/// <summary>Redis for <c>/health/ready</c>: degraded, never unhealthy, when it is away (reads then go to the store).</summary>
public sealed class RedisHealthCheck(IConnectionMultiplexer redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var latency = await redis.GetDatabase().PingAsync();
            return HealthCheckResult.Healthy($"Redis answered in {latency.TotalMilliseconds:0.#} ms.");
        }
        catch (RedisException)
        {
            return HealthCheckResult.Degraded("Redis is unreachable: job status reads go to the store.");
        }
    }
}
