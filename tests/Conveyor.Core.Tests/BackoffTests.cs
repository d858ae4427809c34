using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Conveyor.Core.Tests;

public sealed class BackoffTests
{
    private static readonly TimeSpan Base = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Cap = TimeSpan.FromMinutes(10);

    /// <summary>unitRandom = 0.5 is the middle of the jitter: no jitter at all.</summary>
    [Theory]
    [InlineData(1, 10)]
    [InlineData(2, 20)]
    [InlineData(3, 40)]
    [InlineData(6, 320)]
    [InlineData(7, 600)]
    [InlineData(50, 600)]
    public void The_delay_doubles_with_every_attempt_up_to_the_cap(int attempt, int seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), Backoff.Delay(attempt, Base, Cap, 0.5));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void An_attempt_below_one_waits_the_base_delay(int attempt)
    {
        Assert.Equal(Base, Backoff.Delay(attempt, Base, Cap, 0.5));
    }

    [Fact]
    public void A_huge_attempt_number_stays_at_the_cap_without_overflow()
    {
        Assert.Equal(Cap, Backoff.Delay(int.MaxValue, Base, Cap, 0.5));
    }

    [Fact]
    public void Jitter_spreads_the_delay_twenty_percent_either_way()
    {
        Assert.Equal(TimeSpan.FromSeconds(8), Backoff.Delay(1, Base, Cap, 0.0));
        Assert.Equal(TimeSpan.FromSeconds(11), Backoff.Delay(1, Base, Cap, 0.75));
        Assert.Equal(TimeSpan.FromSeconds(480), Backoff.Delay(100, Base, Cap, 0.0));
        Assert.True(Backoff.Delay(1, Base, Cap, 0.999999) < TimeSpan.FromSeconds(12));
    }

    [Property(MaxTest = 1000)]
    public void Every_delay_lies_within_twenty_percent_of_the_capped_exponential(PositiveInt attempt, NormalFloat seed)
    {
        var unit = Math.Abs(seed.Get) % 1.0;
        var expected = Math.Min(Base.TotalMilliseconds * Math.Pow(2, Math.Min(attempt.Get - 1, 30)), Cap.TotalMilliseconds);

        var delay = Backoff.Delay(attempt.Get, Base, Cap, unit).TotalMilliseconds;

        Assert.InRange(delay, expected * 0.8 - 0.001, expected * 1.2 + 0.001);
        Assert.True(delay <= Cap.TotalMilliseconds * 1.2 + 0.001);
        Assert.True(delay > 0);
    }

    [Fact]
    public void Different_random_draws_give_different_delays()
    {
        var delays = new[] { 0.0, 0.25, 0.5, 0.75, 0.99 }.Select(u => Backoff.Delay(3, Base, Cap, u)).ToList();

        Assert.Equal(delays.Count, delays.Distinct().Count());
        Assert.Equal(delays.Order(), delays);
    }
}
