namespace Conveyor.Workers.Tests.Infrastructure;

/// <summary>Waits for a condition with a deadline (never a guessed sleep).</summary>
public static class Until
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    public static async Task TrueAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out after {Deadline} waiting for {what}.");
            await Task.Delay(2);
        }
    }
}
