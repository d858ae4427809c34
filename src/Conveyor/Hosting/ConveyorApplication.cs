using Conveyor.Api;
using Conveyor.Api.Json;
using Conveyor.Api.Seeds;
using Conveyor.Api.V1;
using Conveyor.Api.V1.Ingestion;
using Conveyor.Audit;
using Conveyor.Auth;
using Conveyor.Web;
using Conveyor.Api.V1.Types;
using Conveyor.Api.V1.Schedules;
using Conveyor.Api.V1.Sessions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Conveyor.Telemetry;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using Scalar.AspNetCore;

namespace Conveyor.Hosting;

/// <summary>
/// Conveyor as a library in an ASP.NET Core app of your own: <c>builder.Services.AddConveyor(builder.Configuration)</c>
/// (with <c>.AddJobHandler&lt;T&gt;("type")</c> for your job types) and <c>app.MapConveyor()</c>. The <c>conveyor</c>
/// executable is this same pair with the built-in handlers (samples/Conveyor.Sample.WordCount shows a custom one).
/// </summary>
public static class ConveyorApplication
{
    /// <summary>
    /// The store, workers (<c>Conveyor:Workers:Count</c>), auth, the key ring, metrics and traces (OpenTelemetry), problem
    /// details, OpenAPI and health checks, from the <c>Conveyor</c> configuration section; a bad setting throws here, naming its key.
    /// </summary>
    public static ConveyorBuilder AddConveyor(this IServiceCollection services, IConfiguration configuration)
    {
        var options = services.AddConveyorCore(configuration, createBootstrapKey: true);
        services.AddConveyorAuth(options.Auth);
        services.AddConveyorKeyRing(options);
        services.AddConveyorWorkers(configuration, Workers.Nodes.NodeKind.Serve);
        services.AddDashboard();
        services.AddConveyorTelemetry(configuration, server: true);
        services.AddSingleton<StoreMetrics>();
        services.ConfigureHttpJsonOptions(o => ConveyorJson.Configure(o.SerializerOptions));
        services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
        {
            ctx.ProblemDetails.Instance ??= ctx.HttpContext.Request.Path;
            ctx.ProblemDetails.Type ??= Problems.TypeFor(ctx.ProblemDetails.Status ?? ctx.HttpContext.Response.StatusCode);
            ctx.ProblemDetails.Detail ??= Problems.DefaultDetail(ctx.ProblemDetails.Status ?? ctx.HttpContext.Response.StatusCode);
            ctx.ProblemDetails.Extensions["trace_id"] = ctx.HttpContext.TraceIdentifier;
            // The error reference finds the full detail (logged by the exception handler) in the server log.
            if ((ctx.ProblemDetails.Status ?? 0) >= 500) ctx.ProblemDetails.Extensions["error_reference"] = ctx.HttpContext.TraceIdentifier;
        });
        services.AddOpenApi(o =>
        {
            o.AddExamples();
            o.AddQueryParameters();
            o.AddContract();
        });
        services.AddHealthChecks()
            .AddCheck<StoreHealthCheck>("store", tags: ["ready"])
            .AddCheck<StorageHealthCheck>("storage", tags: ["ready"])
            .AddCheck<LeaderHealthCheck>("leader", tags: ["ready"]);

        return new ConveyorBuilder(services);
    }

    /// <summary>
    /// Conveyor's middleware (forwarded headers from trusted proxies, security headers, problems for every error, API
    /// key authentication, rate limits, authorization) and its endpoints: <c>/api/v1/…</c>, the seed routes, the OpenAPI
    /// document, <c>/docs</c>, the dashboard, <c>/metrics</c> and <c>/health/*</c>. Call it before mapping endpoints of your own. Conveyor's fallback
    /// policy closes every endpoint that names no policy to all but admin keys: give yours <c>AllowAnonymous()</c> or a policy.
    /// </summary>
    public static WebApplication MapConveyor(this WebApplication app)
    {
        app.UseTrustedForwardedHeaders(app.Services.GetRequiredService<IOptions<ConveyorOptions>>().Value.Auth);
        app.UseSecurityHeaders();
        // The one place anything unexpected becomes a 500 problem: the detail goes to the log, the trace id to the client.
        // A body the server could not read (cut short, over Kestrel's limit) is the client's error, never a 500.
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = e => e is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError,
        });
        app.UseStatusCodePages();
        app.UseDashboardAssets();
        app.UseConveyorAuth();

        // Every API endpoint hangs off one group, whose filter checks query strings and route values (StrictRequestFilter).
        var api = app.MapGroup("");
        api.AddEndpointFilterFactory(StrictRequestFilter.Create);
        api.MapJobsV1();
        api.MapIngestionV1();
        api.MapDataV1();
        api.MapKeysV1();
        api.MapNodesV1();
        api.MapStatsV1();
        api.MapAuditV1();
        api.MapTypesV1();
        api.MapSchedulesV1();
        api.MapStatusApi();
        api.MapIngestionStatusApi();
        api.MapAdminJobsApi();
        app.MapDashboard();
        api.MapSessionsV1();
        api.MapSessionIngest();
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        app.MapScalarApiReference("/docs", o => o.WithTitle("Conveyor API").WithOpenApiRoutePattern("/openapi/{documentName}.json")).AllowAnonymous();
        // Prometheus text: the Conveyor meter (the store's gauges, this node's workers), ASP.NET Core's and Kestrel's.
        app.Services.GetRequiredService<StoreMetrics>();
        app.MapPrometheusScrapingEndpoint("/metrics").AllowAnonymous();
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = HealthResponse.WriteAsync })
            .AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = HealthResponse.WriteAsync })
            .AllowAnonymous();

        return app;
    }
}
