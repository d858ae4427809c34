using System.Security.Claims;
using Conveyor.Storage;
using Microsoft.AspNetCore.Authentication;

namespace Conveyor.Auth;

/// <summary>
/// A key that passed <see cref="ApiKeyValidator"/>, with the principal and the authentication result its requests
/// share: nothing in the pipeline changes either, and building them per request was a measurable part of auth's cost.
/// </summary>
public sealed class VerifiedKey
{
    public VerifiedKey(ApiKeyRecord record)
    {
        Record = record;
        Principal = ConveyorAuth.Principal(record, ApiKeyAuthenticationHandler.SchemeName);
        Authenticated = Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(Principal, ApiKeyAuthenticationHandler.SchemeName)));
    }

    public ApiKeyRecord Record { get; }

    public ClaimsPrincipal Principal { get; }

    /// <summary>The handler's answer for this key, made once (its ticket's properties are empty and nothing writes them).</summary>
    public Task<AuthenticateResult> Authenticated { get; }
}
