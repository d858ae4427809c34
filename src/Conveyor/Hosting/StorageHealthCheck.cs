using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Conveyor.Hosting;

/// <summary>Ready when the data directory exists and takes a write.</summary>
public sealed class StorageHealthCheck(IOptions<ConveyorOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var directory = Path.GetFullPath(options.Value.DataDirectory);
            Directory.CreateDirectory(directory);
            var probe = Path.Combine(directory, $".health-{Guid.NewGuid():N}");
            await File.WriteAllTextAsync(probe, "ok", cancellationToken);
            File.Delete(probe);
            return HealthCheckResult.Healthy("The data directory takes writes.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return HealthCheckResult.Unhealthy("The data directory does not take writes.", e);
        }
    }
}
