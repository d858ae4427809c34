namespace Conveyor.Workers.Tests.Infrastructure;

/// <summary>Worker options for the tests: small, round numbers the assertions can name.</summary>
public static class Settings
{
    public const string Owner = "node-a:1:abc123";

    public static WorkerOptions Workers(int count = 4, int prefetch = -1) => new()
    {
        Count = count,
        Prefetch = prefetch,
        LeaseDuration = TimeSpan.FromSeconds(30),
        HeartbeatInterval = TimeSpan.FromSeconds(5),
        PollInterval = TimeSpan.FromSeconds(5),
        SweepInterval = TimeSpan.FromSeconds(10),
        ShutdownGrace = TimeSpan.FromSeconds(20),
        RetryBaseDelay = TimeSpan.FromSeconds(10),
        RetryMaxDelay = TimeSpan.FromMinutes(10),
        ProgressFlushInterval = TimeSpan.FromSeconds(1),
        PrefetchWindow = TimeSpan.FromMilliseconds(100),
    };
}
