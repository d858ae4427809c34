using Conveyor.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Conveyor.Web;

/// <summary>
/// <c>/signin</c> (an API key in, a session cookie out: HttpOnly, SameSite=Strict, Secure over HTTPS, as long as the key
/// lives), <c>/signout</c>, and the root URL: a browser goes to the dashboard, an API client keeps its 401 problem.
/// </summary>
public static class SignInEndpoints
{
    public const string DefaultPage = "/admin/queue";

    public static void MapSignIn(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/", Root).AllowAnonymous().ExcludeFromDescription();
        routes.MapGet("/signin", (HttpContext context) => Page(context, null, Local(context.Request.Query["return_url"].ToString()), StatusCodes.Status200OK))
            .AllowAnonymous().ExcludeFromDescription();
        routes.MapPost("/signin", SignInAsync).AllowAnonymous().FormPost().ExcludeFromDescription();
        routes.MapPost("/signout", SignOutAsync).AllowAnonymous().FormPost().ExcludeFromDescription();
    }

    private static IResult Root(HttpContext context)
    {
        var wantsHtml = context.Request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase));
        if (wantsHtml) return TypedResults.Redirect(context.User.Identity?.IsAuthenticated == true ? DefaultPage : "/signin");
        return context.User.Identity?.IsAuthenticated == true ? TypedResults.NotFound() : TypedResults.Challenge();
    }

    private static async Task<IResult> SignInAsync(HttpContext context, ApiKeyValidator validator, SignInThrottle throttle, AuthDenials denials)
    {
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var returnUrl = Local(form["return_url"].ToString());
        var address = Caller.RemoteIp(context) ?? "unknown";
        if (!throttle.Allows(address))
        {
            denials.Record(context, "rate_limited");
            context.Response.Headers.RetryAfter = "60";
            return Page(context, "Too many failed sign-ins from this address. Wait a minute and try again.", returnUrl, StatusCodes.Status429TooManyRequests);
        }
        var presented = form["key"].ToString().Trim();
        var key = presented.Length == 0 ? null : await validator.ValidateAsync(presented.AsMemory(), context.RequestAborted);
        if (key is null)
        {
            throttle.Failed(address);
            denials.Record(context, "signin_failed");
            return Page(context, "That key was not accepted: it is unknown, revoked or expired.", returnUrl, StatusCodes.Status401Unauthorized);
        }
        await context.SignInAsync(ConveyorAuth.CookieScheme, ConveyorAuth.Principal(key.Record, ConveyorAuth.CookieScheme),
            new AuthenticationProperties { IsPersistent = false });
        return TypedResults.Redirect(returnUrl);
    }

    private static async Task<IResult> SignOutAsync(HttpContext context, CancellationToken ct)
    {
        await context.SignOutAsync(ConveyorAuth.CookieScheme);
        return TypedResults.Redirect("/signin");
    }

    private static RazorComponentResult<SignInPage> Page(HttpContext context, string? error, string returnUrl, int status) =>
        new(new { Shell = Shell.For(context), Error = error, ReturnUrl = returnUrl }) { StatusCode = status };

    /// <summary>A path on this site to go back to after signing in; anything else (another host, a scheme) is the queue.</summary>
    public static string Local(string? url)
    {
        if (string.IsNullOrEmpty(url) || url.Length > 2000 || url[0] != '/' || url.StartsWith("//", StringComparison.Ordinal)
            || url.StartsWith("/\\", StringComparison.Ordinal) || url.Any(c => char.IsControl(c) || c == '\\'))
        {
            return DefaultPage;
        }
        return url.StartsWith("/signin", StringComparison.Ordinal) || url.StartsWith("/signout", StringComparison.Ordinal) ? DefaultPage : url;
    }
}
