using Conveyor.Core;

namespace Conveyor.Storage.Driver;

/// <summary>
/// The operations a driver offers on an open write transaction, each taking one parameter record (River's
/// <c>*Params</c>). None decides anything: the orchestration asks the status machine and passes the rows to write.
/// <para>
/// Reads (<c>Lock…</c>, <see cref="RevokeKeyAsync"/>) answer before they return. Writes may be held: PostgreSQL sends
/// them with the next read or with COMMIT, in the order they were called, so a status change costs its locking read
/// and its commit and no round trip more; SQLite runs each at once (its writer lock is already held).
/// </para>
/// A row write and the <c>job_events</c> rows that record it are one operation (<see cref="InsertJobsAsync"/>,
/// <see cref="WriteChangesAsync"/>): PostgreSQL writes both in one statement.
/// </summary>
public interface IDriverTransaction : IAsyncDisposable
{
    /// <summary>Locks one job's row and reads it; with <see cref="LockJobParams.WithRetry"/>, also the job retried from it.</summary>
    Task<LockedJob?> LockJobAsync(LockJobParams p, CancellationToken ct);

    /// <summary>
    /// Locks the rows of those of the jobs that exist, in id order, and reads them; with <see cref="LockJobsParams.WithRetry"/>,
    /// also the job retried from each (a bulk action's batch).
    /// </summary>
    Task<IReadOnlyList<LockedJob>> LockJobsAsync(LockJobsParams p, CancellationToken ct);

    /// <summary>Locks the rows of those of the jobs that the owner holds running, and reads their states (in id order).</summary>
    Task<IReadOnlyList<JobState>> LockLeasedJobStatesAsync(LockLeasedJobStatesParams p, CancellationToken ct);

    /// <summary>Locks up to <c>Max</c> running jobs whose lease expired before <c>Now</c> (skipping rows another writer holds).</summary>
    Task<IReadOnlyList<JobState>> LockExpiredJobStatesAsync(LockExpiredJobStatesParams p, CancellationToken ct);

    /// <summary>
    /// Makes this transaction the audit chain's only appender until it ends, and reads the chain's head; with an
    /// idempotency key, also the job holding it (read under the lock, so two creates with one key cannot both miss it).
    /// </summary>
    Task<AuditChainHead> LockAuditChainAsync(LockAuditChainParams p, CancellationToken ct);

    /// <summary>Inserts queued jobs and their <c>created</c> events, in input order.</summary>
    ValueTask InsertJobsAsync(InsertJobsParams p, CancellationToken ct);

    /// <summary>Writes planned changes of rows this transaction locked, each with its event (and, when given, its progress).</summary>
    ValueTask WriteChangesAsync(WriteChangesParams p, CancellationToken ct);

    /// <summary>Writes progress counters of running jobs (no event); several updates of one job apply in order.</summary>
    ValueTask WriteProgressAsync(WriteProgressParams p, CancellationToken ct);

    /// <summary>Removes the loaded rows of the jobs (a failed or cancelled job leaves no rows in its dataset).</summary>
    ValueTask PurgeRecordsAsync(PurgeRecordsParams p, CancellationToken ct);

    /// <summary>Appends one linked, hashed event to the audit chain (after <see cref="LockAuditChainAsync"/>).</summary>
    ValueTask AppendAuditAsync(AppendAuditParams p, CancellationToken ct);

    /// <summary>Inserts the stored files of jobs inserted in this transaction.</summary>
    ValueTask InsertFilesAsync(InsertFilesParams p, CancellationToken ct);

    /// <summary>Writes (or replaces) detection results.</summary>
    ValueTask SaveDetectionsAsync(SaveDetectionsParams p, CancellationToken ct);

    /// <summary>Inserts a session (its jobs are inserted by <see cref="InsertJobsAsync"/>, after it).</summary>
    ValueTask InsertSessionAsync(InsertSessionParams p, CancellationToken ct);

    /// <summary>Writes what succeeded jobs produced (replacing an earlier result of the same job).</summary>
    ValueTask SaveResultsAsync(SaveResultsParams p, CancellationToken ct);

    /// <summary>Deletes every synthetic job (its events, files, results and records go with it) and every synthetic session.</summary>
    Task<DeletedSynthetic> DeleteSyntheticAsync(CancellationToken ct);

    /// <summary>Inserts an API key (its hash, never the key).</summary>
    ValueTask InsertKeyAsync(InsertKeyParams p, CancellationToken ct);

    /// <summary>Revokes a key unless it already is, and reads it back; the key is null when there is no such key.</summary>
    Task<RevokedKey> RevokeKeyAsync(RevokeKeyParams p, CancellationToken ct);

    /// <summary>
    /// Pauses (or resumes) a job type; true when that changed something. A pause waits for the claims in flight on
    /// every node, so none that starts after it commits can start a job of the type.
    /// </summary>
    Task<bool> SetTypePauseAsync(SetTypePauseParams p, CancellationToken ct);

    /// <summary>
    /// Locks up to <c>Max</c> jobs that finished before <c>Before</c>, oldest first (skipping rows another writer holds),
    /// leaving out jobs that loaded records unless <c>WithRecords</c>; returns them with their stored file's path.
    /// </summary>
    Task<IReadOnlyList<FinishedJob>> LockFinishedJobsAsync(LockFinishedJobsParams p, CancellationToken ct);

    /// <summary>Deletes locked jobs with everything that cascades from them (events, files, detections, failures); clears retry_of links to them.</summary>
    ValueTask DeleteJobsAsync(DeleteJobsParams p, CancellationToken ct);

    /// <summary>Tells every node's listeners, on commit, that work is due (PostgreSQL's NOTIFY; nothing on SQLite).</summary>
    ValueTask NotifyAsync(CancellationToken ct);

    /// <summary>Sends what is held and commits; an error of any held write surfaces here.</summary>
    Task CommitAsync(CancellationToken ct);
}
