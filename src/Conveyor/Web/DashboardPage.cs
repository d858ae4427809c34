namespace Conveyor.Web;

/// <summary>Marks a dashboard endpoint: a browser that is not signed in is sent to <c>/signin</c>, not given a 401.</summary>
public sealed record DashboardPage;

/// <summary>Marks dashboard endpoints.</summary>
public static class DashboardPageExtensions
{
    public static TBuilder AsDashboardPage<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new DashboardPage());
}
