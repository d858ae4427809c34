namespace Conveyor.Storage.Sqlite;

/// <summary>
/// The leader on SQLite: the embedded mode is one process on one file (SPEC §1), so the node that asks leads, for as
/// long as it keeps asking. No SQL: there is nobody to agree with.
/// </summary>
public sealed class SqliteLeaderElection(TimeProvider time) : ILeaderElection
{
    private readonly Lock _lock = new();
    private LeaderTerm? _term;

    public Task<LeaderTerm?> ElectAsync(string nodeId, TimeSpan ttl, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            var electedAt = _term?.NodeId == nodeId ? _term.ElectedAt : now;
            _term = new LeaderTerm(nodeId, electedAt, now + ttl);
            return Task.FromResult<LeaderTerm?>(_term);
        }
    }

    public Task ResignAsync(string nodeId, CancellationToken ct)
    {
        lock (_lock)
        {
            if (_term?.NodeId == nodeId) _term = null;
        }
        return Task.CompletedTask;
    }
}
