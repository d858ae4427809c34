using Conveyor.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Conveyor.Workers.Leadership;

/// <summary>
/// This node's part in the election (after River's elector): at start and every
/// <see cref="WorkerOptions.LeaderElectInterval"/> it asks to become or stay the leader for
/// <see cref="WorkerOptions.LeaderTtl"/>. It trusts its own leadership only until a tenth of the TTL before its term
/// could expire, so it stops leading before another node may take over, even when the database is out of reach. A
/// graceful stop resigns, so another node takes over at its next attempt. The one owner of the last term it saw.
/// </summary>
public sealed class LeaderElector : IHostedService, IAsyncDisposable
{
    private static readonly TimeSpan ResignTimeout = TimeSpan.FromSeconds(5);

    private readonly ILeaderElection _election;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan _ttl;
    private readonly TimeSpan _interval;
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stop = new();
    private LeaderTerm? _term;
    private DateTimeOffset _trustedUntil = DateTimeOffset.MinValue;
    private bool _announced;
    private Task _loop = Task.CompletedTask;

    public LeaderElector(ILeaderElection election, IOptions<WorkerOptions> options, WorkerIdentity identity, TimeProvider time,
        ILogger<LeaderElector> logger)
    {
        _election = election;
        _time = time;
        _logger = logger;
        _ttl = options.Value.EffectiveLeaderTtl;
        _interval = options.Value.EffectiveLeaderElectInterval;
        NodeId = identity.Owner;
    }

    /// <summary>This node's id in the election: its lease owner name.</summary>
    public string NodeId { get; }

    /// <summary>Whether this node leads now, by its own clock: maintenance runs only while this is true.</summary>
    public bool IsLeader
    {
        get
        {
            lock (_lock) return LeadsNow();
        }
    }

    /// <summary>The leadership as this node last saw it.</summary>
    public LeaderStatus Status
    {
        get
        {
            lock (_lock)
            {
                var current = _term is { } term && term.ExpiresAt > _time.GetUtcNow() ? term : null;
                return new LeaderStatus(NodeId, current?.NodeId, current?.ElectedAt, current?.ExpiresAt, LeadsNow());
            }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loop = Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Stops electing and, if this node leads, resigns.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stop.IsCancellationRequested) return;
        await _stop.CancelAsync();
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        bool mine;
        lock (_lock)
        {
            mine = _term?.NodeId == NodeId;
            _term = null;
            _trustedUntil = DateTimeOffset.MinValue;
            _announced = false;
        }
        if (!mine) return;
        try
        {
            using var timeout = new CancellationTokenSource(ResignTimeout, _time);
            await _election.ResignAsync(NodeId, timeout.Token);
            WorkerLog.Resigned(_logger, NodeId);
        }
        catch (Exception e)
        {
            WorkerLog.ResignFailed(_logger, e, NodeId);
        }
    }

    private async Task RunAsync(CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await ElectOnceAsync(ct);
                await Task.Delay(_interval, _time, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>One attempt to become or stay the leader; a failed attempt keeps the last term, whose trust runs out by the clock.</summary>
    public async Task ElectOnceAsync(CancellationToken ct)
    {
        var attemptedAt = _time.GetUtcNow();
        LeaderTerm? term;
        try
        {
            term = await _election.ElectAsync(NodeId, _ttl, ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            WorkerLog.LoopFailed(_logger, e, "leader election", _interval);
            Announce();
            return;
        }
        lock (_lock)
        {
            _term = term;
            _trustedUntil = term?.NodeId == NodeId ? attemptedAt + _ttl - _ttl / 10 : DateTimeOffset.MinValue;
        }
        if (term is not null) WorkerLog.LeaderSeen(_logger, term.NodeId, term.ExpiresAt, NodeId);
        Announce();
    }

    /// <summary>Logs a change of this node's leadership once.</summary>
    private void Announce()
    {
        bool leads, changed;
        string leader;
        lock (_lock)
        {
            leads = LeadsNow();
            changed = leads != _announced;
            _announced = leads;
            leader = _term is { } term && term.NodeId != NodeId ? term.NodeId : "unknown";
        }
        if (!changed) return;
        if (leads) WorkerLog.BecameLeader(_logger, NodeId);
        else WorkerLog.LostLeadership(_logger, NodeId, leader);
    }

    private bool LeadsNow() => _term?.NodeId == NodeId && _time.GetUtcNow() < _trustedUntil;

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        _stop.Dispose();
    }
}
