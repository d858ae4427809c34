using Conveyor.Core;

namespace Conveyor.Storage;

/// <summary>Reading the audit log: pages for the API, the chain in order for verification.</summary>
public interface IAuditReader
{
    /// <summary>Events matching <paramref name="query"/>, newest first, at most <see cref="AuditQuery.Limit"/>.</summary>
    Task<IReadOnlyList<AuditEvent>> ListAuditAsync(AuditQuery query, CancellationToken ct);

    /// <summary>The chain in <c>seq</c> order from just after <paramref name="afterSeq"/>, at most <paramref name="limit"/> events.</summary>
    Task<IReadOnlyList<AuditEvent>> ReadAuditChainAsync(long afterSeq, int limit, CancellationToken ct);
}
