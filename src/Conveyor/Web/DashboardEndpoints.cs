using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;

namespace Conveyor.Web;

/// <summary>Wires the dashboard into the host: its static files (embedded), sign-in, and the pages.</summary>
public static class DashboardEndpoints
{
    /// <summary>The embedded <c>Web/Assets</c> at <c>/assets/</c>, before routing and auth: they are public and never change per user.</summary>
    public static WebApplication UseDashboardAssets(this WebApplication app)
    {
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = new ManifestEmbeddedFileProvider(typeof(DashboardEndpoints).Assembly, "Web/Assets"),
            RequestPath = "/assets",
            // Names carry no version: the browser revalidates (ETag, Last-Modified), so an upgrade is seen at once.
            OnPrepareResponse = c => c.Context.Response.Headers[HeaderNames.CacheControl] = "no-cache",
        });
        return app;
    }

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder routes)
    {
        var pages = routes.MapGroup("").ExcludeFromDescription().AsDashboardPage();
        pages.MapSignIn();
        pages.MapQueuePages();
        pages.MapBulkPages();
        pages.MapJobPages();
        pages.MapIngestionPages();
        pages.MapAuditPages();
        pages.MapKeysPages();
        pages.MapNodesPages();
        pages.MapStatsPages();
        pages.MapTutorPages();
        return routes;
    }
}
