using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Conveyor.Auth;

/// <summary>
/// Authenticates <c>Authorization: Bearer &lt;key&gt;</c> or <c>X-Api-Key: &lt;key&gt;</c>. Challenges and refusals
/// answer 401/403 with an empty body (the status-code problem writer fills it) and are counted for <c>auth.denied</c>.
/// It is the default scheme: a request that carries a session cookie or a JWT instead is forwarded to that scheme
/// by the options' <see cref="AuthenticationSchemeOptions.ForwardDefaultSelector"/> (see <see cref="ConveyorAuth"/>).
/// </summary>
public sealed class ApiKeyAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger,
    UrlEncoder encoder, ApiKeyValidator validator, AuthDenials denials)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!TryGetPresentedKey(Request, out var presented)) return AuthenticateResult.NoResult();
        var key = await validator.ValidateAsync(presented, Context.RequestAborted);
        if (key is null) return AuthenticateResult.Fail("The API key is not valid.");
        return AuthenticateResult.Success(new AuthenticationTicket(key.Principal, SchemeName));
    }

    /// <summary>
    /// The key the request carries, as a slice of its header (no copy); false when it carries none (an empty value
    /// counts as malformed, not none).
    /// </summary>
    public static bool TryGetPresentedKey(HttpRequest request, out ReadOnlyMemory<char> key)
    {
        if (request.Headers.TryGetValue(HeaderName, out var apiKey))
        {
            key = apiKey.ToString().AsMemory().Trim();
            return true;
        }
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.Length == 0)
        {
            key = default;
            return false;
        }
        key = authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization.AsMemory(7).Trim() : authorization.AsMemory();
        return true;
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        denials.Record(Context, TryGetPresentedKey(Request, out _) ? "invalid" : "missing");
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
