using System.Text.Json;

namespace Conveyor.Storage;

/// <summary>One row of a job's history.</summary>
public sealed record JobEvent(
    long Id,
    Guid JobId,
    string Type,
    string? FromStatus,
    string? ToStatus,
    DateTimeOffset At,
    string Actor,
    Guid? AuditId,
    JsonElement Data);
