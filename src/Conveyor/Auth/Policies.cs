using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;

namespace Conveyor.Auth;

/// <summary>One authorization policy per role, named after it: the caller's role must rank at least as high.</summary>
public static class Policies
{
    public const string Viewer = Roles.Viewer;
    public const string Submitter = Roles.Submitter;
    public const string Operator = Roles.Operator;
    public const string Admin = Roles.Admin;

    public static void Add(AuthorizationOptions options)
    {
        foreach (var role in Roles.All)
        {
            var rank = Roles.Rank(role);
            // No AddAuthenticationSchemes: the default scheme already authenticated the request, and naming it
            // here would make the policy evaluator authenticate a second time on every request.
            options.AddPolicy(role, policy => policy.AddRequirements(new MinimumRoleRequirement(rank)));
        }
        // An endpoint that forgets its policy is closed to all but admins (and the endpoint test fails).
        options.FallbackPolicy = options.GetPolicy(Admin);
    }

    /// <summary>The highest role the user holds; -1 when none. A loop, not LINQ: every authorized request asks it.</summary>
    public static int RankOf(ClaimsPrincipal user)
    {
        var rank = -1;
        foreach (var identity in user.Identities)
        {
            foreach (var claim in identity.Claims)
            {
                // The comparison ClaimsPrincipal.FindAll(ClaimTypes.Role) makes.
                if (string.Equals(claim.Type, ClaimTypes.Role, StringComparison.OrdinalIgnoreCase)) rank = Math.Max(rank, Roles.Rank(claim.Value));
            }
        }
        return rank;
    }

    public static string? RoleOf(ClaimsPrincipal user) => RankOf(user) is var rank and >= 0 ? Roles.All[rank] : null;
}
