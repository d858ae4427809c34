using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Conveyor.Auth;

/// <summary>
/// Authenticates <c>Authorization: Bearer &lt;key&gt;</c> or <c>X-Api-Key: &lt;key&gt;</c>. Challenges and refusals
/// answer 401/403 with an empty body (the status-code problem writer fills it) and are counted for <c>auth.denied</c>.
/// It is the default scheme: a request that carries a session cookie or a JWT instead is forwarded to that scheme
/// (<see cref="ConveyorAuth.SchemeFor"/>), as <see cref="AuthenticationSchemeOptions.ForwardDefaultSelector"/> would.
/// <para>
/// An <see cref="IAuthenticationHandler"/> of its own rather than an <c>AuthenticationHandler&lt;TOptions&gt;</c>: the
/// base class resolves its options, creates a logger and events and caches its result on every request, which was
/// most of what authentication cost a request that only needs a hash and a dictionary lookup.
/// </para>
/// </summary>
public sealed class ApiKeyAuthenticationHandler(ApiKeyValidator validator, AuthDenials denials, IOptions<AuthOptions> options)
    : IAuthenticationHandler
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    private HttpContext _context = null!;
    private ReadOnlyMemory<char>? _presented;
    private string? _forwardTo;

    public Task InitializeAsync(AuthenticationScheme scheme, HttpContext context)
    {
        _context = context;
        _presented = TryGetPresentedKey(context.Request, out var presented) ? presented : default(ReadOnlyMemory<char>?);
        var target = ConveyorAuth.SchemeFor(context, options.Value.Jwt.Enabled, _presented);
        _forwardTo = target == SchemeName ? null : target;
        return Task.CompletedTask;
    }

    public Task<AuthenticateResult> AuthenticateAsync()
    {
        if (_forwardTo is not null) return _context.AuthenticateAsync(_forwardTo);
        if (_presented is not { } presented) return Task.FromResult(AuthenticateResult.NoResult());
        var validation = validator.ValidateAsync(presented, _context.RequestAborted);
        return validation.IsCompletedSuccessfully ? Result(validation.Result) : AwaitAsync(validation);

        static async Task<AuthenticateResult> AwaitAsync(ValueTask<VerifiedKey?> pending) => await Result(await pending);
    }

    private static Task<AuthenticateResult> Result(VerifiedKey? key) =>
        key?.Authenticated ?? Task.FromResult(AuthenticateResult.Fail("The API key is not valid."));

    public Task ChallengeAsync(AuthenticationProperties? properties)
    {
        if (_forwardTo is not null) return _context.ChallengeAsync(_forwardTo, properties);
        denials.Record(_context, _presented is null ? "missing" : "invalid");
        _context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        _context.Response.Headers.WWWAuthenticate = "Bearer";
        return Task.CompletedTask;
    }

    public Task ForbidAsync(AuthenticationProperties? properties)
    {
        if (_forwardTo is not null) return _context.ForbidAsync(_forwardTo, properties);
        denials.Record(_context, "forbidden");
        _context.Response.StatusCode = StatusCodes.Status403Forbidden;
        return Task.CompletedTask;
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
}
