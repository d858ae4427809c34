using System.Net;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Conveyor.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.RateLimiting;

namespace Conveyor.Auth;

/// <summary>
/// Wires access control: API keys (and, for the dashboard, a cookie; optionally JWT bearer), role policies, the rate
/// limiter and forwarded headers from trusted proxies. The API key scheme is the default and authenticates every
/// request itself, unless the request's credentials belong to the cookie or JWT scheme: then it forwards there
/// (<see cref="SchemeFor"/>). Not a policy scheme in front of all three: that cost a second handler and a second pass
/// through the authentication service on every request, about a tenth of auth's cost.
/// </summary>
public static class ConveyorAuth
{
    public const string CookieScheme = CookieAuthenticationDefaults.AuthenticationScheme;
    public const string JwtScheme = JwtBearerDefaults.AuthenticationScheme;
    public const string CookieName = "conveyor.auth";
    public const string PrefixClaim = "conveyor:key_prefix";

    /// <summary>The application property <c>UseAuthentication()</c> sets (ASP.NET Core's AuthAppBuilderExtensions).</summary>
    private const string AuthenticationMiddlewareSetKey = "__AuthenticationMiddlewareSet";

    public static IServiceCollection AddConveyorAuth(this IServiceCollection services, AuthOptions auth)
    {
        services.AddSingleton<ApiKeyValidator>();
        services.AddSingleton<KeyUsage>();
        services.AddHostedService(sp => sp.GetRequiredService<KeyUsage>());
        services.AddSingleton<AuthDenials>();
        services.AddHostedService(sp => sp.GetRequiredService<AuthDenials>());

        // A handler per request, as the framework makes them; registered, so it is not built by reflection each time.
        services.AddTransient<ApiKeyAuthenticationHandler>();
        var builder = services.AddAuthentication(o =>
            {
                o.DefaultScheme = ApiKeyAuthenticationHandler.SchemeName;
                o.AddScheme<ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, displayName: null);
            })
            .AddCookie(CookieScheme, o =>
            {
                o.Cookie.Name = CookieName;
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = TimeSpan.FromMinutes(auth.CookieMinutes);
                o.SlidingExpiration = true;
                o.LoginPath = "/signin";
                // The API answers 401/403; only pages (next issues) redirect to the sign-in page.
                o.Events.OnRedirectToLogin = c => Deny(c.HttpContext, StatusCodes.Status401Unauthorized, "cookie");
                o.Events.OnRedirectToAccessDenied = c => Deny(c.HttpContext, StatusCodes.Status403Forbidden, "forbidden");
                // A cookie lives no longer than its key: revoked or expired keys end the session.
                o.Events.OnValidatePrincipal = async c =>
                {
                    var prefix = c.Principal?.FindFirstValue(PrefixClaim);
                    var store = c.HttpContext.RequestServices.GetRequiredService<IApiKeyLookup>();
                    var key = prefix is null ? null : await store.FindKeyByPrefixAsync(prefix, c.HttpContext.RequestAborted);
                    var now = c.HttpContext.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
                    if (key is null || key.RevokedAt is not null || key.ExpiresAt <= now)
                    {
                        c.RejectPrincipal();
                        await c.HttpContext.SignOutAsync(CookieScheme);
                    }
                };
            });
        if (auth.Jwt.Enabled)
        {
            builder.AddJwtBearer(JwtScheme, o =>
            {
                o.Authority = auth.Jwt.Authority;
                o.Audience = auth.Jwt.Audience;
                o.MapInboundClaims = false;
                o.Events = new JwtBearerEvents
                {
                    OnTokenValidated = c =>
                    {
                        var roles = c.Principal!.FindAll(auth.Jwt.RoleClaim)
                            .Select(r => auth.Jwt.RoleMap.GetValueOrDefault(r.Value, r.Value)).Where(Roles.IsRole).ToList();
                        var subject = c.Principal.FindFirstValue("sub") ?? "unknown";
                        var identity = new ClaimsIdentity(JwtScheme, ClaimTypes.Name, ClaimTypes.Role);
                        identity.AddClaim(new Claim(ClaimTypes.Name, "jwt:" + subject));
                        identity.AddClaims(roles.Select(r => new Claim(ClaimTypes.Role, r)));
                        c.Principal = new ClaimsPrincipal(identity);
                        return Task.CompletedTask;
                    },
                    OnChallenge = c =>
                    {
                        c.HandleResponse();
                        return Deny(c.HttpContext, StatusCodes.Status401Unauthorized, "jwt");
                    },
                };
            });
        }
        services.AddAuthorization(Policies.Add);
        // After AddAuthorization, so it replaces the default evaluator (which it wraps, stateless, hence one for all).
        services.AddSingleton<IPolicyEvaluator>(sp => new RolePolicyEvaluator(ActivatorUtilities.CreateInstance<PolicyEvaluator>(sp)));
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "conveyor.af";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            var limiters = new PartitionLimiters(auth);
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context => Partition(context, limiters));
            o.OnRejected = (c, _) =>
            {
                var retryAfter = c.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(60);
                c.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(Math.Max(1, retryAfter.TotalSeconds))).ToString();
                c.HttpContext.RequestServices.GetRequiredService<AuthDenials>().Record(c.HttpContext, "rate_limited");
                return ValueTask.CompletedTask;
            };
        });
        if (auth.TrustedProxies.Count > 0)
        {
            services.Configure<ForwardedHeadersOptions>(o =>
            {
                o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
                o.KnownProxies.Clear();
                o.KnownIPNetworks.Clear();
                foreach (var proxy in auth.TrustedProxies) o.KnownProxies.Add(IPAddress.Parse(proxy));
            });
        }
        return services;
    }

    /// <summary>
    /// Authentication (ASP.NET Core's middleware, behind <see cref="ConveyorAuthenticationMiddleware"/>'s short way for
    /// recently verified keys), the rate limiter and authorization, in that order.
    /// </summary>
    public static WebApplication UseConveyorAuth(this WebApplication app)
    {
        app.UseRouting();
        app.UseMiddleware<ConveyorAuthenticationMiddleware>();
        // What UseAuthentication() marks: without it, WebApplication adds a second authentication middleware of its own
        // in front of the pipeline.
        ((IApplicationBuilder)app).Properties[AuthenticationMiddlewareSetKey] = true;
        app.UseRateLimiter();
        app.UseAuthorization();
        app.UseAntiforgery();
        return app;
    }

    /// <summary>Forwarded headers go first of all, so every later part sees the client's address.</summary>
    public static WebApplication UseTrustedForwardedHeaders(this WebApplication app, AuthOptions auth)
    {
        if (auth.TrustedProxies.Count > 0) app.UseForwardedHeaders();
        return app;
    }

    public static ClaimsPrincipal Principal(ApiKeyRecord key, string scheme)
    {
        var identity = new ClaimsIdentity(scheme, ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(ClaimTypes.Name, "key:" + key.Prefix));
        identity.AddClaim(new Claim(ClaimTypes.Role, key.Role));
        identity.AddClaim(new Claim(PrefixClaim, key.Prefix));
        identity.AddClaim(new Claim("conveyor:key_name", key.Name));
        return new ClaimsPrincipal(identity);
    }

    /// <summary>
    /// The scheme a request's credentials belong to: a key (or no credentials at all) is the API key scheme's own;
    /// a bearer token that is not a key goes to JWT when it is on; a session cookie alone goes to the cookie scheme.
    /// </summary>
    /// <param name="context">The request.</param>
    /// <param name="jwt">Whether the JWT scheme is on.</param>
    /// <param name="presented">The credentials the request carries (<see cref="ApiKeyAuthenticationHandler.TryGetPresentedKey"/>), if any.</param>
    internal static string SchemeFor(HttpContext context, bool jwt, ReadOnlyMemory<char>? presented)
    {
        if (presented is { } credentials)
        {
            return jwt && !context.Request.Headers.ContainsKey(ApiKeyAuthenticationHandler.HeaderName)
                && !credentials.Span.StartsWith(ApiKeyGenerator.Scheme, StringComparison.Ordinal) ? JwtScheme : ApiKeyAuthenticationHandler.SchemeName;
        }
        return context.Request.Cookies.ContainsKey(CookieName) ? CookieScheme : ApiKeyAuthenticationHandler.SchemeName;
    }

    private static Task Deny(HttpContext context, int status, string reason)
    {
        context.RequestServices.GetRequiredService<AuthDenials>().Record(context, reason);
        context.Response.StatusCode = status;
        return Task.CompletedTask;
    }

    /// <summary>
    /// Anonymous endpoints are not limited; an authenticated caller draws from its key's bucket; a request that
    /// needs a key and has no valid one draws from its client address's small failed-authentication window.
    /// </summary>
    private static RateLimitPartition<string> Partition(HttpContext context, PartitionLimiters limiters)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint?.Metadata.GetMetadata<IAllowAnonymous>() is not null) return RateLimitPartition.GetNoLimiter("anonymous");
        if (context.User.Identity?.IsAuthenticated == true)
        {
            // Names are "key:…" or "jwt:…", apart from the "address:…" partitions below.
            return RateLimitPartition.Get(context.User.Identity.Name ?? "key:unnamed", limiters.PerKey);
        }
        var address = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        return RateLimitPartition.Get("address:" + address, limiters.PerAddress);
    }

    /// <summary>
    /// The partitions' factories, made once: a lambda per request (as <c>RateLimitPartition.GetTokenBucketLimiter</c>
    /// makes) was an allocation on every authenticated request. Like those helpers, the limiters do not replenish
    /// themselves: the partitioned limiter's own timer does it for all of them.
    /// </summary>
    private sealed class PartitionLimiters(AuthOptions auth)
    {
        public Func<string, RateLimiter> PerKey { get; } = _ => new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = auth.RequestsPerKeyPerSecond * 2,
            TokensPerPeriod = auth.RequestsPerKeyPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = false,
        });

        public Func<string, RateLimiter> PerAddress { get; } = _ => new FixedWindowRateLimiter(new FixedWindowRateLimiterOptions
        {
            PermitLimit = auth.FailedAuthPerMinute,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
            AutoReplenishment = false,
        });
    }
}
