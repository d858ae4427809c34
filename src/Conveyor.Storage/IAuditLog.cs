using Conveyor.Core;

namespace Conveyor.Storage;

/// <summary>Appending to the audit log what changes nothing else (mutating job and key calls append their own events).</summary>
public interface IAuditLog
{
    /// <summary>Appends an event that changes nothing else (a refused request, an aggregated <c>auth.denied</c>).</summary>
    Task<AuditEvent> AppendAuditAsync(AuditContext audit, string? target, string outcome, CancellationToken ct);
}
