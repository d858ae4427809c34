namespace Conveyor.Tests.Infrastructure;

/// <summary>Waits for a condition with a deadline (never a guessed sleep).</summary>
public static class Eventually
{
    public static async Task<T> WaitAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        T value;
        while (true)
        {
            value = await probe();
            if (done(value)) return value;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out after {timeout} waiting for {what}; last value: {value}");
            await Task.Delay(20);
        }
    }
}
