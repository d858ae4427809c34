using System.ComponentModel.DataAnnotations;

namespace Conveyor.Auth;

/// <summary>The <c>Conveyor:Auth</c> section.</summary>
public sealed class AuthOptions
{
    public const string Section = "Conveyor:Auth";

    /// <summary>The admin key a first start creates; empty means generate one and print it once.</summary>
    public string? BootstrapAdminKey { get; set; }

    /// <summary>How long a verified key is trusted before the store is asked again (a revoke through the API is immediate on this node).</summary>
    [Range(0, 3600)]
    public int KeyCacheSeconds { get; set; } = 10;

    /// <summary>Failed authentications one client address may make per minute before it gets 429.</summary>
    [Range(1, 1_000_000)]
    public int FailedAuthPerMinute { get; set; } = 20;

    /// <summary>Requests one key may make per second (token bucket, bursts up to twice this).</summary>
    [Range(1, 10_000_000)]
    public int RequestsPerKeyPerSecond { get; set; } = 500;

    /// <summary>How often aggregated <c>auth.denied</c> audit events are written.</summary>
    [Range(1, 3600)]
    public int DeniedFlushSeconds { get; set; } = 60;

    /// <summary>Client addresses of reverse proxies whose <c>X-Forwarded-For</c> is believed; empty: none.</summary>
    public List<string> TrustedProxies { get; set; } = [];

    /// <summary>Cookie sign-in for the dashboard: idle minutes before the session ends (sliding).</summary>
    [Range(1, 7 * 24 * 60)]
    public int CookieMinutes { get; set; } = 8 * 60;

    public JwtOptions Jwt { get; set; } = new();

    /// <summary>What is wrong with these settings, each message naming its key.</summary>
    public IEnumerable<string> Validate()
    {
        // The message never repeats the value: it is a secret.
        if (!string.IsNullOrWhiteSpace(BootstrapAdminKey) && !ApiKeyGenerator.IsWellFormed(BootstrapAdminKey.Trim()))
            yield return $"{Section}:BootstrapAdminKey must look like '{ApiKeyGenerator.Scheme}XXXXXXXX_' followed by at least 32 letters or digits " +
                "(8 letters or digits for X); 'conveyor keys generate' prints one, or leave it empty to have a first start make one.";
        foreach (var proxy in TrustedProxies)
        {
            if (!System.Net.IPAddress.TryParse(proxy, out _)) yield return $"{Section}:TrustedProxies: '{proxy}' is not an IP address.";
        }
        foreach (var (claim, role) in Jwt.RoleMap)
        {
            if (!Roles.IsRole(role)) yield return $"{Section}:Jwt:RoleMap:{claim} must be viewer, submitter, operator or admin.";
        }
        if (KeyCacheSeconds is < 0 or > 3600) yield return $"{Section}:KeyCacheSeconds must be 0-3600.";
        if (FailedAuthPerMinute < 1) yield return $"{Section}:FailedAuthPerMinute must be at least 1.";
        if (RequestsPerKeyPerSecond < 1) yield return $"{Section}:RequestsPerKeyPerSecond must be at least 1.";
        if (DeniedFlushSeconds < 1) yield return $"{Section}:DeniedFlushSeconds must be at least 1.";
    }
}
