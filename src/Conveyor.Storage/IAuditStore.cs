using Conveyor.Core;

namespace Conveyor.Storage;

/// <summary>The append-only audit log. Mutating job and key calls append their own events; this appends the rest.</summary>
public interface IAuditStore
{
    /// <summary>Appends an event that changes nothing else (a refused request, an aggregated <c>auth.denied</c>).</summary>
    Task<AuditEvent> AppendAuditAsync(AuditContext audit, string? target, string outcome, CancellationToken ct);

    /// <summary>Events matching <paramref name="query"/>, newest first, at most <see cref="AuditQuery.Limit"/>.</summary>
    Task<IReadOnlyList<AuditEvent>> ListAuditAsync(AuditQuery query, CancellationToken ct);

    /// <summary>The chain in <c>seq</c> order from just after <paramref name="afterSeq"/>, at most <paramref name="limit"/> events.</summary>
    Task<IReadOnlyList<AuditEvent>> ReadAuditChainAsync(long afterSeq, int limit, CancellationToken ct);
}
