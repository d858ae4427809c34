namespace Conveyor.Storage;

/// <summary>Retention, for the leader's pruner and upload sweeper. Audit events are never touched.</summary>
public interface IJobRetention
{
    /// <summary>
    /// Deletes up to <paramref name="max"/> jobs that finished before <paramref name="before"/>, oldest first, with their
    /// events, detection results, failures and stored-file rows; jobs that loaded records only when
    /// <paramref name="withRecords"/> (and then their records too); never a session's jobs (they hold its transcript and
    /// summary, and its state is theirs). Skips rows another writer holds, so it never waits on one.
    /// </summary>
    Task<PrunedJobs> PruneFinishedAsync(DateTimeOffset before, int max, bool withRecords, CancellationToken ct);

    /// <summary>Which of <paramref name="paths"/> (relative to the storage root) are a job's stored file.</summary>
    Task<IReadOnlyList<string>> FindStoredPathsAsync(IReadOnlyList<string> paths, CancellationToken ct);
}
