using Conveyor.Auth;
using Microsoft.AspNetCore.Antiforgery;

namespace Conveyor.Web;

/// <summary>
/// What every page's frame needs from the request: who is signed in and with which role (so a page offers only what
/// that role may do; the endpoints refuse the rest anyway), the antiforgery token for its forms, and where it is.
/// </summary>
public sealed record Shell(string? Actor, string? KeyName, string? Role, string AntiforgeryField, string AntiforgeryToken, string Path)
{
    public bool SignedIn => Role is not null;

    /// <summary>Whether the signed-in role ranks at least as high as <paramref name="role"/>.</summary>
    public bool Can(string role) => Role is not null && Roles.Rank(Role) >= Roles.Rank(role);

    public static Shell For(HttpContext context)
    {
        var tokens = context.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(context);
        var user = context.User;
        var signedIn = user.Identity?.IsAuthenticated == true;
        return new Shell(
            signedIn ? Caller.Actor(context) : null,
            signedIn ? user.FindFirst("conveyor:key_name")?.Value : null,
            signedIn ? Policies.RoleOf(user) : null,
            tokens.FormFieldName,
            tokens.RequestToken ?? string.Empty,
            context.Request.Path + context.Request.QueryString);
    }
}
