using System.Text.Json;

namespace Conveyor.Client;

/// <summary>One entry of the hash-chained audit log.</summary>
public sealed record AuditEvent(long Seq, Guid Id, DateTimeOffset At, string Actor, string Role, string Action, string? Target, string Outcome,
    string? RequestId, string? RemoteIp, JsonElement Details, string PrevHash, string Hash);

/// <summary>One page of the audit log; <see cref="NextCursor"/> continues it.</summary>
public sealed record AuditPage(IReadOnlyList<AuditEvent> Items, string? NextCursor);

/// <summary>Filters of <c>GET /api/v1/audit</c>.</summary>
public sealed record AuditQuery
{
    public string? Action { get; init; }
    public string? Actor { get; init; }
    public string? Target { get; init; }
    public DateTimeOffset? From { get; init; }
    public DateTimeOffset? To { get; init; }
    public int? Limit { get; init; }
    public string? Cursor { get; init; }
}
