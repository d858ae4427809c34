using System.Text.Json;
using Conveyor.Core;
using Conveyor.Storage;

namespace Conveyor.Api.V1;

/// <summary>One audit event as <c>GET /api/v1/audit</c> shows it, hash chain included.</summary>
public sealed record AuditEventResource(long Seq, Guid Id, DateTimeOffset At, string Actor, string Role, string Action, string? Target,
    string Outcome, string? RequestId, string? RemoteIp, JsonElement Details, string PrevHash, string Hash)
{
    public static AuditEventResource From(AuditEvent e) => new(e.Seq, e.Id, e.At, e.Actor, e.Role, e.Action, e.Target, e.Outcome,
        e.RequestId, e.RemoteIp, JobMetadata.Parse(e.Details), e.PrevHash, e.Hash);
}

/// <summary>A page of audit events, newest first; follow <c>next_cursor</c> for older ones.</summary>
public sealed record AuditListResource(IReadOnlyList<AuditEventResource> Items, string? NextCursor);
