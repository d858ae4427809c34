using Conveyor.Workers;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Conveyor.Telemetry;

/// <summary>
/// OpenTelemetry for every process: the <c>Conveyor</c> meter (and ASP.NET Core's on API nodes) to Prometheus and OTLP,
/// and traces of requests and of the jobs they create (the job's span continues the request's trace) to OTLP or the console.
/// </summary>
public static class TelemetryServices
{
    public static IServiceCollection AddConveyorTelemetry(this IServiceCollection services, IConfiguration configuration, bool server)
    {
        var options = configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        services.AddSingleton<WorkerMetrics>();
        var otel = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("conveyor", serviceInstanceId: $"{Environment.MachineName}:{Environment.ProcessId}"))
            .WithMetrics(m =>
            {
                m.AddMeter(WorkerMetrics.Name);
                if (server) m.AddMeter("Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel").AddPrometheusExporter();
                else if (!string.IsNullOrWhiteSpace(options.WorkerMetricsUrl))
                    m.AddPrometheusHttpListener(o =>
                    {
                        var url = new Uri(options.WorkerMetricsUrl);
                        o.Host = url.Host is "0.0.0.0" or "[::]" ? "+" : url.Host;
                        o.Port = url.Port;
                        o.ScrapeEndpointPath = "/metrics";
                    });
                if (Otlp(options) is { } endpoint) m.AddOtlpExporter(o => Configure(o, endpoint));
            });
        if (options.Tracing)
        {
            otel.WithTracing(t =>
            {
                t.AddSource(WorkerMetrics.Name);
                if (server) t.AddAspNetCoreInstrumentation(o => o.Filter = http => !http.Request.Path.StartsWithSegments("/health") && !http.Request.Path.StartsWithSegments("/metrics"));
                if (Otlp(options) is { } endpoint) t.AddOtlpExporter(o => Configure(o, endpoint));
                if (options.ConsoleTraces) t.AddConsoleExporter();
            });
        }
        return services;
    }

    /// <summary>The configured endpoint; null when none is (the exporter then reads OTEL_EXPORTER_OTLP_ENDPOINT itself, if set).</summary>
    private static Uri? Otlp(TelemetryOptions options) =>
        !string.IsNullOrWhiteSpace(options.OtlpEndpoint) ? new Uri(options.OtlpEndpoint)
        : Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT") is { Length: > 0 } env ? new Uri(env) : null;

    private static void Configure(OtlpExporterOptions o, Uri endpoint) => o.Endpoint = endpoint;
}
