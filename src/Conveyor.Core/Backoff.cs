namespace Conveyor.Core;

/// <summary>Exponential back-off with jitter for automatic retries: base × 2^(attempt−1), capped, ±20%.</summary>
public static class Backoff
{
    public const double Jitter = 0.2;

    /// <param name="attempt">The attempt that just failed (1 for the first run).</param>
    /// <param name="unitRandom">A value in [0, 1) that picks the jitter.</param>
    public static TimeSpan Delay(int attempt, TimeSpan baseDelay, TimeSpan maxDelay, double unitRandom)
    {
        var exponent = Math.Clamp(attempt, 1, 31) - 1; // clamp first: attempt − 1 overflows at int.MinValue
        var raw = Math.Min(baseDelay.TotalMilliseconds * Math.Pow(2, exponent), maxDelay.TotalMilliseconds);
        var factor = 1 + Jitter * (2 * unitRandom - 1);
        return TimeSpan.FromMilliseconds(Math.Max(0, raw * factor));
    }
}
