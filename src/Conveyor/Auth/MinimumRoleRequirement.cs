using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;

namespace Conveyor.Auth;

/// <summary>
/// An authenticated caller whose highest role ranks at least <see cref="Rank"/>. Its own handler, so a policy is one
/// requirement and one pass over the role claims, not a deny-anonymous requirement plus a delegate assertion.
/// </summary>
public sealed class MinimumRoleRequirement(int rank) : AuthorizationHandler<MinimumRoleRequirement>, IAuthorizationRequirement
{
    public int Rank { get; } = rank;

    /// <summary>Whether <paramref name="user"/> meets the requirement.</summary>
    public bool IsMetBy(ClaimsPrincipal user) => IsAuthenticated(user) && Policies.RankOf(user) >= Rank;

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, MinimumRoleRequirement requirement)
    {
        if (requirement.IsMetBy(context.User)) context.Succeed(requirement);
        return Task.CompletedTask;
    }

    // As DenyAnonymousAuthorizationRequirement: some identity of the user must be authenticated.
    private static bool IsAuthenticated(ClaimsPrincipal user)
    {
        foreach (var identity in user.Identities)
        {
            if (identity.IsAuthenticated) return true;
        }
        return false;
    }
}
