using Conveyor.Core;

namespace Conveyor.Api.V1.Schedules;

/// <summary>
/// A periodic schedule: its cron expression and time zone, the job it enqueues, when it next fires, and its last fired
/// tick with the job that tick made (null until it has fired).
/// </summary>
public sealed record ScheduleResource(string Name, string Cron, string TimeZone, JobCreateRequest Job, DateTimeOffset? NextRunAt,
    DateTimeOffset? LastRunAt, Guid? LastJobId);

/// <summary>Every schedule, by name.</summary>
public sealed record ScheduleListResource(IReadOnlyList<ScheduleResource> Items);
