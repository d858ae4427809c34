using System.Text.Json;
using Conveyor.Api.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Conveyor.Hosting;

/// <summary>Writes health as JSON: the overall status and each check's status and description, never exception text.</summary>
public static class HealthResponse
{
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new
        {
            Status = report.Status.ToString().ToLowerInvariant(),
            Checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                Status = e.Value.Status.ToString().ToLowerInvariant(),
                e.Value.Description,
            }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, ConveyorJson.Options));
    }
}
