using System.Text.Json;

namespace Conveyor.Client;

/// <summary>What a retry-as-new may change of the original job's configuration.</summary>
public sealed record ConfigOverride
{
    public string? Mode { get; init; }
    public int? Priority { get; init; }
    public JsonElement? Metadata { get; init; }
    public string? Dataset { get; init; }
    public int? MaxAttempts { get; init; }
    public DateTimeOffset? ScheduledAt { get; init; }
}
