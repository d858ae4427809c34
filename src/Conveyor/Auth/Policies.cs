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
            options.AddPolicy(role, policy => policy
                .RequireAuthenticatedUser()
                .RequireAssertion(c => RankOf(c.User) >= rank));
        }
        // An endpoint that forgets its policy is closed to all but admins (and the endpoint test fails).
        options.FallbackPolicy = options.GetPolicy(Admin);
    }

    /// <summary>The highest role the user holds; -1 when none.</summary>
    public static int RankOf(ClaimsPrincipal user) => user.FindAll(ClaimTypes.Role).Select(c => Roles.Rank(c.Value)).DefaultIfEmpty(-1).Max();

    public static string? RoleOf(ClaimsPrincipal user) => RankOf(user) is var rank and >= 0 ? Roles.All[rank] : null;
}
