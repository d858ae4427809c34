namespace Conveyor.Core;

/// <summary>One row of <c>audit_events</c>: <see cref="Seq"/> orders the chain, <see cref="Hash"/> links it to <see cref="PrevHash"/>.</summary>
public sealed record AuditEvent(
    long Seq,
    Guid Id,
    DateTimeOffset At,
    string Actor,
    string Role,
    string Action,
    string? Target,
    string Outcome,
    string? RequestId,
    string? RemoteIp,
    string Details,
    string PrevHash,
    string Hash);
