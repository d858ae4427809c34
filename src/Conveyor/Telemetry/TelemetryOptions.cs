namespace Conveyor.Telemetry;

/// <summary>The <c>Conveyor:Telemetry</c> section: where metrics and traces go besides <c>/metrics</c>.</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Conveyor:Telemetry";

    /// <summary>An OTLP collector (e.g. <c>http://otel:4317</c>) for traces and metrics; empty: none (the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> works too).</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>Print every finished span to the console (for a look without a collector).</summary>
    public bool ConsoleTraces { get; set; }

    /// <summary>
    /// Where a <c>conveyor worker</c> (no HTTP server of its own) serves its Prometheus text at <c>/metrics</c>, e.g.
    /// <c>http://0.0.0.0:9464/</c> (every interface); empty: none. API nodes always serve it at <c>/metrics</c>.
    /// </summary>
    public string? WorkerMetricsUrl { get; set; }

    /// <summary>Traces are recorded only when something receives them.</summary>
    public bool Tracing => !string.IsNullOrWhiteSpace(OtlpEndpoint) || ConsoleTraces
        || !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT"));

    public IEnumerable<string> Validate()
    {
        if (!string.IsNullOrWhiteSpace(OtlpEndpoint) && !Uri.TryCreate(OtlpEndpoint, UriKind.Absolute, out _))
            yield return $"{Section}:OtlpEndpoint must be an absolute URL.";
        if (!string.IsNullOrWhiteSpace(WorkerMetricsUrl) && !(Uri.TryCreate(WorkerMetricsUrl, UriKind.Absolute, out var u) && u.Scheme is "http" or "https"))
            yield return $"{Section}:WorkerMetricsUrl must be an http URL such as http://127.0.0.1:9464/.";
    }
}
