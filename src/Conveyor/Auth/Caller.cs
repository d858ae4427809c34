namespace Conveyor.Auth;

/// <summary>Who is calling: the name and role authentication gave the request, and the client's address.</summary>
public static class Caller
{
    /// <summary>The authenticated name (<c>key:&lt;prefix&gt;</c>, a JWT subject), or <c>anonymous</c>.</summary>
    public static string Actor(HttpContext context) => context.User.Identity?.Name ?? "anonymous";

    /// <summary>The highest role the caller holds, or <c>none</c>.</summary>
    public static string Role(HttpContext context) => Policies.RoleOf(context.User) ?? "none";

    public static string? RemoteIp(HttpContext context) => context.Connection.RemoteIpAddress?.ToString();
}
