using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Conveyor.Auth;

/// <summary>
/// Authenticates <c>Authorization: Bearer &lt;key&gt;</c> or <c>X-Api-Key: &lt;key&gt;</c>. Challenges and refusals
/// answer 401/403 with an empty body (the status-code problem writer fills it) and are counted for <c>auth.denied</c>.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger,
    UrlEncoder encoder, ApiKeyValidator validator, AuthDenials denials)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = PresentedKey(Request);
        if (presented is null) return AuthenticateResult.NoResult();
        var key = await validator.ValidateAsync(presented, Context.RequestAborted);
        if (key is null) return AuthenticateResult.Fail("The API key is not valid.");
        return AuthenticateResult.Success(new AuthenticationTicket(validator.PrincipalFor(key, SchemeName), SchemeName));
    }

    /// <summary>The key the request carries, or null when it carries none (an empty value counts as malformed, not none).</summary>
    public static string? PresentedKey(HttpRequest request)
    {
        if (request.Headers.TryGetValue(HeaderName, out var apiKey)) return apiKey.ToString().Trim();
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.Length == 0) return null;
        return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization[7..].Trim() : authorization;
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        denials.Record(Context, PresentedKey(Request) is null ? "missing" : "invalid");
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        return Task.CompletedTask;
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        denials.Record(Context, "forbidden");
        Response.StatusCode = StatusCodes.Status403Forbidden;
        return Task.CompletedTask;
    }
}
