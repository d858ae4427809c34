using Conveyor.Storage;

namespace Conveyor.Workers.Tests.Infrastructure;

/// <summary>Rescue in memory: each call takes the next of the counts the test scripted (then 0), and is recorded.</summary>
public sealed class InMemoryMaintenance(params int[] rescued) : IJobMaintenance
{
    private readonly Queue<int> _rescued = new(rescued);
    private readonly List<int> _calls = [];
    private readonly Lock _lock = new();

    public IReadOnlyList<int> RescueCalls { get { lock (_lock) return [.. _calls]; } }

    public Task<int> RescueExpiredAsync(int max, CancellationToken ct)
    {
        lock (_lock)
        {
            _calls.Add(max);
            return Task.FromResult(_rescued.TryDequeue(out var n) ? Math.Min(n, max) : 0);
        }
    }
}
