using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Conveyor.Telemetry;

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

        builder.Services.AddConveyor(builder.Configuration);

        configure?.Invoke(builder);
        var app = builder.Build();
        app.MapConveyor();

        app.Lifetime.ApplicationStarted.Register(() => PrintBanner(app));
        return app;
    }

    /// <summary>Workers only: no HTTP, no bootstrap key.</summary>
    public static IHost BuildWorker(string[] args)
    {
        var builder = CreateStoreHostBuilder(args);
        builder.Services.AddConveyorWorkers(builder.Configuration, Workers.Nodes.NodeKind.Worker);
        builder.Services.AddConveyorTelemetry(builder.Configuration, server: false);
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
            Console.Out.WriteLine($"Dashboard: {address}/  (open it in a browser, sign in with a key)");
        }
    }
}
