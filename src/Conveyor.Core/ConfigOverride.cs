using System.Text.Json;
using System.Text.Json.Serialization;

namespace Conveyor.Core;

/// <summary>What a retry-as-new may change of the original's configuration; everything else is copied.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record ConfigOverride
{
    public string? Mode { get; init; }
    public int? Priority { get; init; }
    public JsonElement? Metadata { get; init; }
    public string? Dataset { get; init; }
    public int? MaxAttempts { get; init; }
    public DateTimeOffset? ScheduledAt { get; init; }
}
