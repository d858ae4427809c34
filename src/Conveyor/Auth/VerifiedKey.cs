using System.Security.Claims;
using Conveyor.Storage;

namespace Conveyor.Auth;

/// <summary>A key that passed <see cref="ApiKeyValidator"/>, with the principal its requests share.</summary>
public sealed record VerifiedKey(ApiKeyRecord Record, ClaimsPrincipal Principal);
