using Conveyor.Core;

namespace Conveyor.Storage;

/// <summary>
/// A session as stored, with its jobs (oldest first) and the results of the jobs that decide its transcript and summary:
/// the latest succeeded <c>transcription</c> and <c>summarization</c> (JSON as the handlers wrote it; null until then).
/// </summary>
public sealed record SessionRecord(
    Guid Id,
    string CourseId,
    string Title,
    bool Synthetic,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    IReadOnlyList<Job> Jobs,
    string? TranscriptJson,
    string? SummaryJson)
{
    /// <summary>The last time the session or one of its jobs changed.</summary>
    public DateTimeOffset UpdatedAt => Jobs.Aggregate(CreatedAt, (latest, job) => job.UpdatedAt > latest ? job.UpdatedAt : latest);

    /// <summary>The latest succeeded job of <paramref name="type"/>, whose result the session shows.</summary>
    public static Job? ResultJob(IEnumerable<Job> jobs, string type) => jobs
        .Where(j => j.Type == type && j.Status == JobStatus.Succeeded)
        .OrderBy(j => j.CompletedAt ?? j.UpdatedAt).ThenBy(j => j.Id)
        .LastOrDefault();
}
