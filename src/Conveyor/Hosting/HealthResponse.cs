using System.Text.Json;
using Conveyor.Api.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Conveyor.Hosting;

/// <summary>
/// Writes health as JSON: the overall status and each check's status, description and (when the check gives any)
/// data, never exception text.
/// </summary>
public static class HealthResponse
{
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new
        {
            Status = report.Status.ToString().ToLowerInvariant(),
            Checks = report.Entries.ToDictionary(e => e.Key, e => Entry(e.Value)),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, ConveyorJson.Options));
    }

    private static Dictionary<string, object?> Entry(HealthReportEntry entry)
    {
        var written = new Dictionary<string, object?>
        {
            ["status"] = entry.Status.ToString().ToLowerInvariant(),
            ["description"] = entry.Description,
        };
        if (entry.Data.Count > 0) written["data"] = entry.Data;
        return written;
    }
}
