using StackExchange.Redis;

namespace Conveyor.Caching;

/// <summary>The <c>Conveyor:Redis</c> section: the optional cache shared by every node.</summary>
public sealed class RedisOptions
{
    public const string Section = "Conveyor:Redis";

    /// <summary>A StackExchange.Redis configuration string (<c>Conveyor__Redis__Configuration</c>); empty: no Redis.</summary>
    public string? Configuration { get; set; }

    /// <summary>How long a job's status payload may live in the cache (seed 002: 30 s).</summary>
    public TimeSpan StatusTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a node keeps a payload in its own memory (the near cache in front of Redis) at most; 0 turns it off.
    /// Changes reach every node's near cache at once over Redis pub/sub, so this only bounds how stale another node can
    /// be when a message is lost.
    /// </summary>
    public TimeSpan NearTtl { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Prefix of every key. The braces are a Redis Cluster hash tag: a change's version bump and delete run in one
    /// script, which needs their keys in one slot.
    /// </summary>
    public string KeyPrefix { get; set; } = "{conveyor}:";

    public bool Enabled => !string.IsNullOrWhiteSpace(Configuration);

    public IEnumerable<string> Validate()
    {
        if (StatusTtl < TimeSpan.FromSeconds(1) || StatusTtl > TimeSpan.FromHours(1))
            yield return $"{Section}:StatusTtl must be between 00:00:01 and 01:00:00.";
        if (NearTtl < TimeSpan.Zero || NearTtl > TimeSpan.FromMinutes(10))
            yield return $"{Section}:NearTtl must be between 00:00:00 (off) and 00:10:00.";
        if (string.IsNullOrEmpty(KeyPrefix)) yield return $"{Section}:KeyPrefix must not be empty.";
        if (!Enabled) yield break;
        string? problem = null;
        try
        {
            ConfigurationOptions.Parse(Configuration!);
        }
        catch (ArgumentException e)
        {
            problem = $"{Section}:Configuration is not a StackExchange.Redis configuration string: {e.Message}";
        }
        if (problem is not null) yield return problem;
    }

    /// <summary>The client settings: the configured string, made to fail fast and reconnect by itself when Redis is away.</summary>
    public ConfigurationOptions ClientOptions()
    {
        var options = ConfigurationOptions.Parse(Configuration!);
        options.AbortOnConnectFail = false;
        options.BacklogPolicy = BacklogPolicy.FailFast;
        options.ClientName ??= "conveyor";
        return options;
    }
}
