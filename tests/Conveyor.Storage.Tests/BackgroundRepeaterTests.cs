using Conveyor.Storage.Postgres;

namespace Conveyor.Storage.Tests;

public sealed class BackgroundRepeaterTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Requests_during_a_run_fold_into_one_more_run_and_a_later_request_starts_another()
    {
        var runs = 0;
        var release = new SemaphoreSlim(0);
        var started = new SemaphoreSlim(0);
        await using var repeater = new BackgroundRepeater(async ct =>
        {
            Interlocked.Increment(ref runs);
            started.Release();
            await release.WaitAsync(ct);
        });

        repeater.Request();
        Assert.True(await started.WaitAsync(Wait));
        repeater.Request();
        repeater.Request();
        repeater.Request();
        release.Release();
        Assert.True(await started.WaitAsync(Wait)); // the one folded run
        release.Release();
        Assert.False(await started.WaitAsync(TimeSpan.FromMilliseconds(300)));
        Assert.Equal(2, Volatile.Read(ref runs));

        repeater.Request();
        Assert.True(await started.WaitAsync(Wait));
        release.Release();
        Assert.Equal(3, Volatile.Read(ref runs));
    }

    [Fact]
    public async Task A_run_that_throws_does_not_stop_later_runs_and_dispose_cancels_the_run_in_progress()
    {
        var calls = 0;
        var cancelled = new TaskCompletionSource();
        var repeater = new BackgroundRepeater(async ct =>
        {
            if (Interlocked.Increment(ref calls) == 1) throw new InvalidOperationException("first run fails");
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            finally
            {
                cancelled.TrySetResult();
            }
        });
        repeater.Request();
        var deadline = DateTime.UtcNow + Wait;
        while (Volatile.Read(ref calls) < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
            repeater.Request();
        }
        Assert.Equal(2, Volatile.Read(ref calls));

        await repeater.DisposeAsync();
        Assert.True(cancelled.Task.IsCompleted);
        await repeater.DisposeAsync(); // a second dispose is a no-op
        repeater.Request(); // and a request after it starts nothing
        Assert.Equal(2, Volatile.Read(ref calls));
    }
}
