namespace Conveyor.Auth;

/// <summary>The <c>Conveyor:Auth:Jwt</c> section: optional JWT bearer tokens from an OIDC authority; off while Authority is empty.</summary>
public sealed class JwtOptions
{
    public string? Authority { get; set; }

    public string? Audience { get; set; }

    /// <summary>The claim that carries the caller's role.</summary>
    public string RoleClaim { get; set; } = "roles";

    /// <summary>Claim value → Conveyor role (viewer, submitter, operator, admin); a value that is already a role name maps to itself.</summary>
    public Dictionary<string, string> RoleMap { get; set; } = new(StringComparer.Ordinal);

    public bool Enabled => !string.IsNullOrWhiteSpace(Authority);
}
