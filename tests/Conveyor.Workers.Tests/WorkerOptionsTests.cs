namespace Conveyor.Workers.Tests;

public sealed class WorkerOptionsTests
{
    [Fact]
    public void By_default_the_leader_term_is_half_the_lease_and_nodes_try_every_third_of_it()
    {
        var options = new WorkerOptions();
        Assert.Equal((TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(5)), (options.EffectiveLeaderTtl, options.EffectiveLeaderElectInterval));
        Assert.Empty(options.Validate());

        var shortLease = new WorkerOptions { LeaseDuration = TimeSpan.FromSeconds(2), HeartbeatInterval = TimeSpan.FromSeconds(0.5) };
        Assert.Equal((TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1) / 3), (shortLease.EffectiveLeaderTtl, shortLease.EffectiveLeaderElectInterval));
        Assert.Empty(shortLease.Validate());
    }

    [Theory]
    [InlineData("00:00:00", null, "Conveyor:Workers:LeaderTtl must be positive.")]
    [InlineData("00:00:10", "00:00:10", "Conveyor:Workers:LeaderElectInterval must be positive and shorter than Conveyor:Workers:LeaderTtl.")]
    [InlineData("00:00:10", "00:00:00", "Conveyor:Workers:LeaderElectInterval must be positive and shorter than Conveyor:Workers:LeaderTtl.")]
    [InlineData("00:00:28", "00:00:03", "Conveyor:Workers:LeaderTtl plus Conveyor:Workers:LeaderElectInterval must not exceed Conveyor:Workers:LeaseDuration, so that a new leader is in place before a dead leader's leases expire.")]
    [InlineData("00:00:40", null, "Conveyor:Workers:LeaderTtl plus Conveyor:Workers:LeaderElectInterval must not exceed Conveyor:Workers:LeaseDuration, so that a new leader is in place before a dead leader's leases expire.")]
    public void A_leader_setting_that_cannot_work_is_refused_naming_its_key(string ttl, string? interval, string message)
    {
        var options = new WorkerOptions
        {
            LeaderTtl = TimeSpan.Parse(ttl),
            LeaderElectInterval = interval is null ? null : TimeSpan.Parse(interval),
        };
        Assert.Equal([message], options.Validate());
    }

    [Fact]
    public void A_term_and_interval_that_fit_exactly_in_the_lease_are_accepted()
    {
        Assert.Empty(new WorkerOptions { LeaderTtl = TimeSpan.FromSeconds(27), LeaderElectInterval = TimeSpan.FromSeconds(3) }.Validate());
    }

    [Theory]
    [InlineData("LeaseDuration", "00:00:00", "Conveyor:Workers:LeaseDuration must be positive.")]
    [InlineData("HeartbeatInterval", "00:00:00", "Conveyor:Workers:HeartbeatInterval must be positive and shorter than Conveyor:Workers:LeaseDuration.")]
    [InlineData("HeartbeatInterval", "00:00:30", "Conveyor:Workers:HeartbeatInterval must be positive and shorter than Conveyor:Workers:LeaseDuration.")]
    [InlineData("PollInterval", "00:00:00", "Conveyor:Workers:PollInterval must be positive.")]
    [InlineData("SweepInterval", "00:00:00", "Conveyor:Workers:SweepInterval must be positive.")]
    [InlineData("ShutdownGrace", "-00:00:01", "Conveyor:Workers:ShutdownGrace cannot be negative.")]
    [InlineData("RetryBaseDelay", "-00:00:01", "Conveyor:Workers:RetryBaseDelay must be at least zero and at most Conveyor:Workers:RetryMaxDelay.")]
    [InlineData("RetryBaseDelay", "02:00:00", "Conveyor:Workers:RetryBaseDelay must be at least zero and at most Conveyor:Workers:RetryMaxDelay.")]
    [InlineData("ProgressFlushInterval", "00:00:00", "Conveyor:Workers:ProgressFlushInterval must be positive.")]
    [InlineData("PrefetchWindow", "-00:00:01", "Conveyor:Workers:PrefetchWindow cannot be negative.")]
    [InlineData("CompletionWindow", "-00:00:00.001", "Conveyor:Workers:CompletionWindow must be from 0 to 1 second.")]
    [InlineData("CompletionWindow", "00:00:02", "Conveyor:Workers:CompletionWindow must be from 0 to 1 second.")]
    public void Each_bad_setting_is_refused_naming_its_key(string property, string value, string message)
    {
        var options = new WorkerOptions { LeaderTtl = TimeSpan.FromSeconds(1), LeaderElectInterval = TimeSpan.FromSeconds(0.5) };
        typeof(WorkerOptions).GetProperty(property)!.SetValue(options, TimeSpan.Parse(value));
        Assert.Contains(message, options.Validate());
    }

    [Fact]
    public void No_grace_no_retry_delay_and_no_prefetch_window_are_allowed()
    {
        Assert.Empty(new WorkerOptions { ShutdownGrace = TimeSpan.Zero, RetryBaseDelay = TimeSpan.Zero, PrefetchWindow = TimeSpan.Zero }.Validate());
    }

    [Fact]
    public void The_prefetch_ceiling_defaults_to_eight_per_worker_but_at_least_256_and_takes_an_explicit_value()
    {
        Assert.Equal(256, new WorkerOptions { Count = 4 }.MaxPrefetch);
        Assert.Equal(256, new WorkerOptions { Count = 32 }.MaxPrefetch);
        Assert.Equal(8 * 64, new WorkerOptions { Count = 64 }.MaxPrefetch);
        Assert.Equal(5, new WorkerOptions { Count = 4, Prefetch = 5 }.MaxPrefetch);
        Assert.Equal(0, new WorkerOptions { Count = 4, Prefetch = 0 }.MaxPrefetch);
    }
}
