using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Client;

/// <summary>Registers <see cref="ConveyorClient"/> as a typed client of <c>IHttpClientFactory</c>.</summary>
public static class ConveyorClientServiceCollectionExtensions
{
    /// <summary>
    /// <c>services.AddConveyorClient(o => { o.BaseAddress = new("http://conveyor:5080"); o.ApiKey = key; })</c>; the
    /// returned builder takes the usual handlers (resilience, logging) and lifetimes.
    /// </summary>
    public static IHttpClientBuilder AddConveyorClient(this IServiceCollection services, Action<ConveyorClientOptions> configure)
    {
        var options = new ConveyorClientOptions();
        configure(options);
        return services.AddHttpClient<ConveyorClient>(http => ConveyorClient.Configure(http, options));
    }
}
