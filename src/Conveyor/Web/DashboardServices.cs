using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Web;

namespace Conveyor.Web;

/// <summary>The dashboard's services: Razor components (rendered on the server only) and its sign-in redirects.</summary>
public static class DashboardServices
{
    public static IServiceCollection AddDashboard(this IServiceCollection services)
    {
        services.AddRazorComponents();
        services.AddScoped<HtmlRenderer>();
        services.AddScoped<FragmentRenderer>();
        services.AddSingleton<SignInThrottle>();
        services.AddSingleton<QueueLoader>();
        services.AddSingleton<QueueViews>();
        services.AddSingleton<JobLoader>();
        // After AddAuthorization: a page's challenge becomes a redirect to /signin, its refusal a page; the API's stay 401/403.
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, DashboardAuthorizationResultHandler>();
        return services;
    }
}
