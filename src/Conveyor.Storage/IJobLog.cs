namespace Conveyor.Storage;

/// <summary>Each job's own log: the lines its handlers wrote through their logger, the newest kept, the oldest dropped first.</summary>
public interface IJobLog
{
    /// <summary>
    /// Appends the lines (in order per job) after each job's last, and drops a job's oldest lines beyond
    /// <paramref name="keepPerJob"/>; lines of a job that no longer exists are dropped.
    /// </summary>
    Task AppendLogAsync(IReadOnlyList<JobLogLine> lines, int keepPerJob, CancellationToken ct);

    /// <summary>The job's lines after <paramref name="afterSeq"/>, oldest first; null when there is no such job.</summary>
    Task<IReadOnlyList<JobLogLine>?> ReadLogAsync(Guid jobId, long afterSeq, CancellationToken ct);
}
