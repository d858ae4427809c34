using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features.Authentication;

namespace Conveyor.Auth;

/// <summary>
/// ASP.NET Core's <see cref="AuthenticationMiddleware"/>, with a short way in front of it for the request that most
/// requests are: one carrying an API key this node verified within <c>KeyCacheSeconds</c>. For it, this sets what the
/// framework's middleware would set after asking the API key handler (the user, <see cref="IAuthenticationFeature"/>,
/// <see cref="IHttpAuthenticationFeature"/> and <see cref="IAuthenticateResultFeature"/>, with the key's shared
/// result), without resolving the authentication service, the handler provider and a handler from the request's
/// services: that was about half of what auth cost such a request.
/// <para>
/// Every other request goes through the framework's middleware unchanged: no key, a key not verified here recently,
/// an invalid, revoked or expired one (the cache only holds keys that were live when checked, and is checked again for
/// expiry and revocation here), a session cookie, a JWT (a verified key starts with <c>cvk_</c>, which never goes to the
/// JWT scheme). Challenges and forbids always go through the authentication service and the API key handler. The
/// short way is off when an <see cref="IClaimsTransformation"/> other than the framework's no-op is registered, since
/// only the authentication service applies one.
/// </para>
/// </summary>
public sealed class ConveyorAuthenticationMiddleware(RequestDelegate next, IAuthenticationSchemeProvider schemes, ApiKeyValidator validator,
    IClaimsTransformation transformation)
{
    private readonly AuthenticationMiddleware _framework = new(next, schemes);
    private readonly bool _shortWay = transformation is NoopClaimsTransformation;

    public Task InvokeAsync(HttpContext context)
    {
        if (!_shortWay || !ApiKeyAuthenticationHandler.TryGetPresentedKey(context.Request, out var presented)
            || !validator.TryGetVerified(presented.Span, ConnectionItems(context), out var key))
        {
            return _framework.Invoke(context);
        }

        context.Features.Set<IAuthenticationFeature>(new AuthenticationFeature
        {
            OriginalPath = context.Request.Path,
            OriginalPathBase = context.Request.PathBase,
        });
        var result = key.Authenticated.Result;
        context.User = key.Principal;
        var features = new Features(result);
        context.Features.Set<IHttpAuthenticationFeature>(features);
        context.Features.Set<IAuthenticateResultFeature>(features);
        return next(context);
    }

    /// <summary>An HTTP/1.x connection's items (its requests come one at a time); none for HTTP/2 and 3, whose streams run at once.</summary>
    private static IDictionary<object, object?>? ConnectionItems(HttpContext context) =>
        HttpProtocol.IsHttp11(context.Request.Protocol) || HttpProtocol.IsHttp10(context.Request.Protocol)
            ? context.Features.Get<IConnectionItemsFeature>()?.Items
            : null;

    /// <summary>The pair of features the framework's middleware sets for a successful authentication, with its semantics.</summary>
    private sealed class Features(AuthenticateResult result) : IAuthenticateResultFeature, IHttpAuthenticationFeature
    {
        private AuthenticateResult? _result = result;
        private ClaimsPrincipal? _user = result.Principal;

        public AuthenticateResult? AuthenticateResult
        {
            get => _result;
            set
            {
                _result = value;
                _user = value?.Principal;
            }
        }

        public ClaimsPrincipal? User
        {
            get => _user;
            set
            {
                _user = value;
                _result = null;
            }
        }
    }
}
