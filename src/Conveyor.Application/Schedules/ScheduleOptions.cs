using System.Text.Json;
using Conveyor.Core;
using Cronos;

namespace Conveyor.Application.Schedules;

/// <summary>
/// One entry of the <c>Conveyor:Schedules</c> section: <c>Conveyor:Schedules:{name}:Cron</c> (five fields, or six with
/// seconds first), an optional <c>TimeZone</c> (IANA id, default UTC) and the job to enqueue at each tick under
/// <c>Job</c>, a JobCreateRequest (<c>Job:Type</c>, <c>Job:SourceUri</c>, <c>Job:Dataset</c>, <c>Job:Metadata</c> as a JSON object…).
/// </summary>
public sealed class ScheduleOptions
{
    public const string Section = "Conveyor:Schedules";

    public string? Cron { get; set; }

    public string? TimeZone { get; set; }

    public ScheduleJobOptions Job { get; set; } = new();

    /// <summary>The schedules of the section, or the problems that stop start-up (each naming its key).</summary>
    public static (IReadOnlyList<Schedule> Schedules, IReadOnlyList<string> Problems) Resolve(
        IReadOnlyDictionary<string, ScheduleOptions> section, Func<string, bool> isKnownType)
    {
        var schedules = new List<Schedule>();
        var problems = new List<string>();
        foreach (var (name, options) in section.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            var key = $"{Section}:{name}";
            var before = problems.Count;
            if (!JobCreateRequestValidator.IsTypeName(name))
                problems.Add($"{key}: a schedule's name must be a lowercase word of at most 64 characters (a-z, 0-9, '_', '.', '-').");
            CronExpression? cron = null;
            if (string.IsNullOrWhiteSpace(options.Cron)) problems.Add($"{key}:Cron is required (e.g. \"0 * * * *\").");
            else
            {
                var fields = options.Cron.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
                if (!CronExpression.TryParse(options.Cron, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard, out cron))
                    problems.Add($"{key}:Cron '{options.Cron}' is not a cron expression (five fields, or six with seconds first).");
            }
            var zone = TimeZoneInfo.Utc;
            if (!string.IsNullOrWhiteSpace(options.TimeZone) && !TimeZoneInfo.TryFindSystemTimeZoneById(options.TimeZone, out zone))
                problems.Add($"{key}:TimeZone '{options.TimeZone}' is not a time zone this machine knows.");
            JobCreateRequest? request = null;
            try
            {
                request = options.Job.ToRequest();
                foreach (var (field, messages) in JobCreateRequestValidator.Validate(request, isKnownType))
                    problems.AddRange(messages.Select(m => $"{key}:Job:{field}: {m}"));
            }
            catch (JsonException)
            {
                problems.Add($"{key}:Job:Metadata must be a JSON object.");
            }
            if (problems.Count == before) schedules.Add(new Schedule(name, options.Cron!, cron!, zone!, request!));
        }
        return (schedules, problems);
    }
}

/// <summary>The job a schedule enqueues at each tick (<c>Conveyor:Schedules:{name}:Job</c>): a JobCreateRequest's fields.</summary>
public sealed class ScheduleJobOptions
{
    public string? Type { get; set; }
    public string? SourceType { get; set; }
    public string? SourceUri { get; set; }
    public string? FileName { get; set; }
    public string? MimeType { get; set; }
    public string? Mode { get; set; }
    public int? Priority { get; set; }
    public string? Dataset { get; set; }
    public int? MaxAttempts { get; set; }

    /// <summary>A JSON object, as text (configuration values are strings).</summary>
    public string? Metadata { get; set; }

    public JobCreateRequest ToRequest()
    {
        JsonElement? metadata = null;
        if (!string.IsNullOrWhiteSpace(Metadata))
        {
            using var document = JsonDocument.Parse(Metadata);
            if (document.RootElement.ValueKind != JsonValueKind.Object) throw new JsonException("Metadata must be an object.");
            metadata = document.RootElement.Clone();
        }
        return new JobCreateRequest
        {
            Type = Type,
            SourceType = SourceType,
            SourceUri = SourceUri,
            FileName = FileName,
            MimeType = MimeType,
            Mode = Mode,
            Priority = Priority,
            Dataset = Dataset,
            MaxAttempts = MaxAttempts,
            Metadata = metadata,
        };
    }
}
