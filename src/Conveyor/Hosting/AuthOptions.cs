using System.ComponentModel.DataAnnotations;

namespace Conveyor.Hosting;

/// <summary>The <c>Conveyor:Auth</c> section.</summary>
public sealed class AuthOptions
{
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
}
