namespace Conveyor.Core;

/// <summary>
/// Who asks for a change, and as what action: every mutating store call takes one, and writes its audit event
/// (with this <see cref="Id"/>, which the job events it causes carry) in the same transaction as the change.
/// </summary>
public sealed record AuditContext(string Actor, string Role, string Action)
{
    public Guid Id { get; init; } = Guid.CreateVersion7();

    public string? RequestId { get; init; }

    public string? RemoteIp { get; init; }

    /// <summary>Extra facts as a JSON object (never a secret); the store adds none of its own.</summary>
    public string Details { get; init; } = "{}";

    /// <summary>For work the system does on its own (bootstrap, maintenance, tests).</summary>
    public static AuditContext System(string action) => new("system", "admin", action);
}
