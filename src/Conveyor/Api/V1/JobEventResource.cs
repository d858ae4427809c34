using System.Text.Json;
using Conveyor.Storage;

namespace Conveyor.Api.V1;

/// <summary>One entry of a job's history.</summary>
public sealed record JobEventResource(
    long Id,
    Guid JobId,
    string Type,
    string? FromStatus,
    string? ToStatus,
    DateTimeOffset At,
    string Actor,
    Guid? AuditId,
    JsonElement Data)
{
    public static JobEventResource From(JobEvent e) =>
        new(e.Id, e.JobId, e.Type, e.FromStatus, e.ToStatus, e.At, e.Actor, e.AuditId, e.Data);
}
