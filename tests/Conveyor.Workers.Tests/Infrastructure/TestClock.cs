using Microsoft.Extensions.Time.Testing;

namespace Conveyor.Workers.Tests.Infrastructure;

/// <summary>
/// A fake clock that also counts the timers created on it, so a test can wait until a service is asleep on the clock
/// (its poll, its interval) before moving the clock past it, instead of guessing with a real delay.
/// </summary>
public sealed class TestClock() : FakeTimeProvider(AJob.Epoch)
{
    private int _timers;

    public int TimersCreated => Volatile.Read(ref _timers);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        Interlocked.Increment(ref _timers);
        return timer;
    }

    /// <summary>Waits until at least <paramref name="count"/> timers were created in all.</summary>
    public Task WaitForTimersAsync(int count, string what) => Until.TrueAsync(() => TimersCreated >= count, what);
}
