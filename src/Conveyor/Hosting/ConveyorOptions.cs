using System.ComponentModel.DataAnnotations;

namespace Conveyor.Hosting;

/// <summary>The <c>Conveyor</c> section: where data lives and which store holds it.</summary>
public sealed class ConveyorOptions
{
    public const string Section = "Conveyor";

    /// <summary>SQLite file and uploads (<c>Conveyor:DataDirectory</c>).</summary>
    [Required]
    public string DataDirectory { get; set; } = "./data";

    public DatabaseOptions Database { get; set; } = new();

    public AuthOptions Auth { get; set; } = new();

    public IEnumerable<string> Validate()
    {
        if (Database.Provider is not ("sqlite" or "postgres"))
            yield return $"Conveyor:Database:Provider must be 'sqlite' or 'postgres', not '{Database.Provider}'.";
        foreach (var proxy in Auth.TrustedProxies)
        {
            if (!System.Net.IPAddress.TryParse(proxy, out _)) yield return $"Conveyor:Auth:TrustedProxies: '{proxy}' is not an IP address.";
        }
        foreach (var (claim, role) in Auth.Jwt.RoleMap)
        {
            if (!global::Conveyor.Auth.Roles.IsRole(role)) yield return $"Conveyor:Auth:Jwt:RoleMap:{claim} must be viewer, submitter, operator or admin.";
        }
        if (Auth.KeyCacheSeconds is < 0 or > 3600) yield return "Conveyor:Auth:KeyCacheSeconds must be 0-3600.";
        if (Auth.FailedAuthPerMinute < 1) yield return "Conveyor:Auth:FailedAuthPerMinute must be at least 1.";
        if (Auth.RequestsPerKeyPerSecond < 1) yield return "Conveyor:Auth:RequestsPerKeyPerSecond must be at least 1.";
        if (Auth.DeniedFlushSeconds < 1) yield return "Conveyor:Auth:DeniedFlushSeconds must be at least 1.";
    }
}
