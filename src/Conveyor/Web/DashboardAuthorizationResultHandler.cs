using Conveyor.Auth;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Conveyor.Web;

/// <summary>
/// For dashboard endpoints only: a request without a session goes to the sign-in page (a GET keeps where it was
/// going), one whose role falls short gets a 403 page that says so, counted for <c>auth.denied</c> like every
/// refusal. Everything else is the framework's handler, so the API keeps its 401/403 problems.
/// </summary>
public sealed class DashboardAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _framework = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Succeeded || context.GetEndpoint()?.Metadata.GetMetadata<DashboardPage>() is null)
        {
            await _framework.HandleAsync(next, context, policy, authorizeResult);
            return;
        }
        var denials = context.RequestServices.GetRequiredService<AuthDenials>();
        if (authorizeResult.Challenged && context.User.Identity?.IsAuthenticated != true)
        {
            denials.Record(context, "signin_required");
            if (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method))
            {
                var back = context.Request.Path + context.Request.QueryString;
                context.Response.Redirect("/signin?return_url=" + Uri.EscapeDataString(back));
                return;
            }
            await Render(context, StatusCodes.Status401Unauthorized, "Sign in first", "Your session has ended. Sign in again to continue.");
            return;
        }
        denials.Record(context, "forbidden");
        await Render(context, StatusCodes.Status403Forbidden, "Not allowed",
            $"Your key's role ({Caller.Role(context)}) may not do this. Ask an admin for a key with more rights.");
    }

    private static Task Render(HttpContext context, int status, string title, string message) =>
        new RazorComponentResult<MessagePage>(new { Title = title, Message = message, Shell = Shell.For(context) })
        {
            StatusCode = status,
        }.ExecuteAsync(context);
}
