using System.Text.Json;

namespace Conveyor.Client;

/// <summary>A periodic schedule: its cron and time zone, the job it enqueues, when it next fires and what it last made.</summary>
public sealed record Schedule(string Name, string Cron, string TimeZone, JsonElement Job, DateTimeOffset? NextRunAt, DateTimeOffset? LastRunAt,
    Guid? LastJobId);
