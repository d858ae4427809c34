using System.Text.Json;

namespace Conveyor.Client;

/// <summary>One entry of a job's history (<c>created</c>, <c>started</c>, <c>progress</c>, <c>succeeded</c>…).</summary>
public sealed record JobEvent(long Id, Guid JobId, string Type, string? FromStatus, string? ToStatus, DateTimeOffset At, string Actor,
    Guid? AuditId, JsonElement Data);
