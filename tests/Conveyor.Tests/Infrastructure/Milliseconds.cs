namespace Conveyor.Tests.Infrastructure;

/// <summary>
/// The API shows times to the millisecond while the store orders by the microsecond, so two changes within one
/// millisecond look tied to a client although the server orders them (by the hidden microseconds, then id).
/// </summary>
public static class Milliseconds
{
    /// <summary>Waits until the clock has passed the millisecond it reads now: every change made afterwards carries a later one.</summary>
    public static void Next()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        SpinWait.SpinUntil(() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() > now);
    }
}
