using Conveyor.Workers;

namespace Conveyor.Bench;

/// <summary>A <c>noop</c> that counts its runs, so the drain knows when every handler ran without polling the store.</summary>
public sealed class CountingHandler(int expected) : IJobHandler
{
    private int _count;
    private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Type => "noop";

    public Task AllRan => _all.Task;

    public Task HandleAsync(JobContext context, CancellationToken ct)
    {
        if (Interlocked.Increment(ref _count) == expected) _all.TrySetResult();
        return Task.CompletedTask;
    }
}
