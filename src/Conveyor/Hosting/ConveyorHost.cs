using Conveyor.Api;
using Conveyor.Api.Json;
using Conveyor.Api.V1;
using Conveyor.Audit;
using Conveyor.Auth;
using Conveyor.Api.Seeds;
using Conveyor.Api.V1.Ingestion;
using Conveyor.Web;
using Conveyor.Api.V1.Types;
using Conveyor.Api.V1.Schedules;
using Conveyor.Api.V1.Sessions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Scalar.AspNetCore;

namespace Conveyor.Hosting;

/// <summary>Builds the three kinds of Conveyor process: the server, the worker, and the one-shot migrator.</summary>
public static class ConveyorHost
{
    public const string DefaultUrls = "http://127.0.0.1:5080";

    /// <summary>The API (and, unless <c>Conveyor:Workers:Count</c> is 0, workers) on Kestrel.</summary>
    /// <param name="configure">A last word on the builder before it builds (tests add a log sink here).</param>
    public static WebApplication BuildServer(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        AddConfiguration(builder.Configuration, args);
        if (string.IsNullOrEmpty(builder.Configuration["urls"])) builder.WebHost.UseUrls(DefaultUrls);
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);

        var services = builder.Services;
        var options = services.AddConveyorCore(builder.Configuration, createBootstrapKey: true);
        services.AddConveyorAuth(options.Auth);
        services.AddConveyorKeyRing(options);
        services.AddConveyorWorkers(builder.Configuration);
        services.AddDashboard();
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

        configure?.Invoke(builder);
        var app = builder.Build();
        app.UseTrustedForwardedHeaders(options.Auth);
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
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = HealthResponse.WriteAsync })
            .AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = HealthResponse.WriteAsync })
            .AllowAnonymous();

        app.Lifetime.ApplicationStarted.Register(() => PrintBanner(app));
        return app;
    }

    /// <summary>Workers only: no HTTP, no bootstrap key.</summary>
    public static IHost BuildWorker(string[] args)
    {
        var builder = CreateStoreHostBuilder(args);
        builder.Services.AddConveyorWorkers(builder.Configuration);
        return builder.Build();
    }

    /// <summary>Just the store, for <c>conveyor migrate</c> and the commands that work straight on it.</summary>
    public static IHost BuildMigrator(string[] args) => CreateStoreHostBuilder(args).Build();

    private static HostApplicationBuilder CreateStoreHostBuilder(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
        AddConfiguration(builder.Configuration, args);
        builder.Services.AddConveyorCore(builder.Configuration, createBootstrapKey: false);
        return builder;
    }

    /// <summary>
    /// The content root is the binary's folder (its appsettings.json); the working directory's appsettings.json,
    /// the environment and the flags come after it, so they win, in ASP.NET Core's usual order.
    /// </summary>
    private static void AddConfiguration(IConfigurationManager configuration, string[] args)
    {
        configuration.AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"), optional: true);
        configuration.AddEnvironmentVariables().AddCommandLine(args);
    }

    private static void PrintBanner(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        foreach (var address in addresses)
        {
            Console.Out.WriteLine($"Conveyor is listening on {address}  (API docs: {address}/docs, OpenAPI: {address}/openapi/v1.json)");
        }
    }
}
