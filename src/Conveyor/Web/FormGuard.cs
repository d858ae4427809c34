using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Conveyor.Web;

/// <summary>
/// Every dashboard form post carries the antiforgery token its page rendered; one without it (or with another
/// session's) is a 400 page and does nothing. Form fields are read here too, once, with the framework's form limits.
/// </summary>
public sealed class FormGuard : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var http = invocation.HttpContext;
        if (!http.Request.HasFormContentType)
            return Refuse(http, StatusCodes.Status415UnsupportedMediaType, "This address takes a form post from the dashboard's own pages.");
        try
        {
            if (!await http.RequestServices.GetRequiredService<IAntiforgery>().IsRequestValidAsync(http))
                return Refuse(http, StatusCodes.Status400BadRequest, "This form has expired or did not come from this dashboard. Reload the page and try again.");
        }
        catch (Exception e) when (e is InvalidDataException or IOException or BadHttpRequestException or AntiforgeryValidationException)
        {
            return Refuse(http, StatusCodes.Status400BadRequest, "The form could not be read. Reload the page and try again.");
        }
        return await next(invocation);
    }

    private static RazorComponentResult<MessagePage> Refuse(HttpContext http, int status, string message) =>
        new(new { Title = "Form refused", Message = message, Shell = Shell.For(http) }) { StatusCode = status };
}

/// <summary>Puts <see cref="FormGuard"/> on a form post.</summary>
public static class FormGuardExtensions
{
    public static RouteHandlerBuilder FormPost(this RouteHandlerBuilder builder) => builder.AddEndpointFilter<FormGuard>().DisableAntiforgery();
}
