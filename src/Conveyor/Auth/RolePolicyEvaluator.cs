using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace Conveyor.Auth;

/// <summary>
/// The policy evaluator with a short way for the common case: an authenticated caller on a role policy (one
/// <see cref="MinimumRoleRequirement"/>) who meets it succeeds without a trip through the authorization service
/// (a handler context, a set of pending requirements and three tasks per request). Everything else, every refusal
/// included, goes to ASP.NET Core's <see cref="PolicyEvaluator"/>, so challenges, forbids and their logs are its own.
/// </summary>
public sealed class RolePolicyEvaluator(PolicyEvaluator inner) : IPolicyEvaluator
{
    private static readonly Task<PolicyAuthorizationResult> Succeeded = Task.FromResult(PolicyAuthorizationResult.Success());

    public Task<AuthenticateResult> AuthenticateAsync(AuthorizationPolicy policy, HttpContext context) => inner.AuthenticateAsync(policy, context);

    public Task<PolicyAuthorizationResult> AuthorizeAsync(AuthorizationPolicy policy, AuthenticateResult authenticationResult, HttpContext context,
        object? resource)
    {
        if (authenticationResult.Succeeded && policy.Requirements is [MinimumRoleRequirement role] && role.IsMetBy(context.User)) return Succeeded;
        return inner.AuthorizeAsync(policy, authenticationResult, context, resource);
    }
}
