using Conveyor.Core;
using Conveyor.Storage;

namespace Conveyor.Web;

/// <summary>What the job page shows: the job, its history, what detection found, the first rows and the failed lines.</summary>
public sealed record JobView(
    Job Job,
    IReadOnlyList<JobEvent> Events,
    Guid? RetriedBy,
    DetectionRecord? Detection,
    IReadOnlyList<RecordRow> FirstRows,
    IReadOnlyList<RecordFailure> Failures,
    DateTimeOffset Now)
{
    public const int RowsShown = 10;
    public const int FailuresShown = 50;

    /// <summary>The lines the job's handlers logged for it, oldest first (the store keeps the newest 1,000).</summary>
    public IReadOnlyList<JobLogLine> Log { get; init; } = [];

    /// <summary>The course of the session the job belongs to, if any (its tutor page links back).</summary>
    public string? CourseId { get; init; }

    /// <summary>Rows a second since the job started, while it runs and has done some.</summary>
    public double? RowsPerSecond => Job is { Status: JobStatus.Running, StartedAt: { } started, RecordsProcessed: > 0 } && (Now - started).TotalSeconds > 0.5
        ? Job.RecordsProcessed / (Now - started).TotalSeconds : null;

    /// <summary>The time left at the current rate, when the total is known.</summary>
    public TimeSpan? Remaining => RowsPerSecond is { } rate && Job.RecordsTotal is { } total && total > Job.RecordsProcessed
        ? TimeSpan.FromSeconds((total - Job.RecordsProcessed) / rate) : null;
}
