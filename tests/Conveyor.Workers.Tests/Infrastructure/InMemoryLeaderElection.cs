using Conveyor.Storage;

namespace Conveyor.Workers.Tests.Infrastructure;

/// <summary>
/// The leader row in memory, with PostgreSQL's rules on the test's clock: free or expired, the asker takes it; its
/// holder extends it; anyone else sees the holder. A test can make the next calls fail, as an unreachable database would.
/// </summary>
public sealed class InMemoryLeaderElection(TimeProvider time) : ILeaderElection
{
    private readonly Lock _lock = new();
    private readonly List<string> _resigned = [];
    private LeaderTerm? _row;
    private int _failing;

    public LeaderTerm? Row { get { lock (_lock) return _row; } }

    public IReadOnlyList<string> Resigned { get { lock (_lock) return [.. _resigned]; } }

    public void FailNextCalls(int count) => Interlocked.Exchange(ref _failing, count);

    public Task<LeaderTerm?> ElectAsync(string nodeId, TimeSpan ttl, CancellationToken ct)
    {
        lock (_lock)
        {
            if (_failing > 0)
            {
                _failing--;
                throw new InvalidOperationException("The database is out of reach.");
            }
            var now = time.GetUtcNow();
            if (_row is null || _row.ExpiresAt <= now) _row = new LeaderTerm(nodeId, now, now + ttl);
            else if (_row.NodeId == nodeId) _row = _row with { ExpiresAt = now + ttl };
            return Task.FromResult<LeaderTerm?>(_row);
        }
    }

    public Task ResignAsync(string nodeId, CancellationToken ct)
    {
        lock (_lock)
        {
            _resigned.Add(nodeId);
            if (_row?.NodeId == nodeId) _row = null;
        }
        return Task.CompletedTask;
    }
}
