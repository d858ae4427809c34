using Conveyor.Core;

namespace Conveyor.Storage.Driver;

// The parameter records of IDriverTransaction, one per operation, and what its reads return. Records for data,
// kept together here so a driver's author reads the whole contract in two files.

/// <summary>Which job to lock; <see cref="WithRetry"/> also reads the job retried from it (a statement after the lock).</summary>
public sealed record LockJobParams(Guid Id, bool WithRetry);

/// <summary>Which jobs to lock (a batch of a bulk action); <see cref="WithRetry"/> also reads the jobs retried from them.</summary>
public sealed record LockJobsParams(IReadOnlyList<Guid> Ids, bool WithRetry);

/// <summary>A job read under its row lock, and the job created from it by retry-as-new, if any was asked for and exists.</summary>
public sealed record LockedJob(Job Job, Job? Retry);

/// <summary>The jobs to lock: only those <see cref="Owner"/> still holds running are returned.</summary>
public sealed record LockLeasedJobStatesParams(string Owner, IReadOnlyCollection<Guid> Ids);

public sealed record LockExpiredJobStatesParams(DateTimeOffset Now, int Max);

/// <summary>With <see cref="IdempotencyKey"/>, the job holding the key is read under the audit lock.</summary>
public sealed record LockAuditChainParams(string? IdempotencyKey = null);

/// <summary>The audit chain's last event (<see cref="AuditChain.Genesis"/> and 0 when empty), and the idempotent job found.</summary>
public sealed record AuditChainHead(long Seq, string Hash, ExistingJob? Existing);

/// <summary>A job found by its idempotency key, with the hash of the request that created it.</summary>
public sealed record ExistingJob(Job Job, string? RequestHash);

/// <summary>Jobs to insert as queued at <see cref="Now"/>; their <c>created</c> events carry <see cref="AuditId"/>.</summary>
public sealed record InsertJobsParams(IReadOnlyList<NewJob> Jobs, DateTimeOffset Now, Guid? AuditId);

/// <summary>
/// Changes planned by <see cref="JobChanges"/>, written with their events by <see cref="Actor"/>. A change whose job has
/// an entry in <see cref="Progress"/> also writes those counters (a completion carries its last progress).
/// </summary>
public sealed record WriteChangesParams(IReadOnlyList<JobChange> Changes, string Actor, Guid? AuditId = null,
    IReadOnlyDictionary<Guid, ProgressUpdate>? Progress = null);

public sealed record WriteProgressParams(IReadOnlyList<ProgressUpdate> Updates, DateTimeOffset Now);

public sealed record PurgeRecordsParams(IReadOnlyList<Guid> JobIds);

public sealed record AppendAuditParams(AuditEvent Event);

public sealed record InsertFilesParams(IReadOnlyList<StoredFile> Files);

public sealed record SaveDetectionsParams(IReadOnlyList<DetectionRecord> Detections);

public sealed record InsertKeyParams(ApiKeyRecord Key);

public sealed record RevokeKeyParams(Guid Id, DateTimeOffset Now);

/// <summary>The key as it now is (null when there is none), and whether this call revoked it.</summary>
public sealed record RevokedKey(ApiKeyRecord? Key, bool Changed);

/// <summary>Pause <see cref="Type"/> (as <see cref="Actor"/>, at <see cref="Now"/>) or, with <see cref="Paused"/> false, resume it.</summary>
public sealed record SetTypePauseParams(string Type, bool Paused, DateTimeOffset Now, string Actor);

/// <summary>A session to insert (with its first job, inserted by <c>InsertJobsAsync</c>) at <see cref="Now"/>.</summary>
public sealed record InsertSessionParams(NewSession Session, DateTimeOffset Now);

/// <summary>What succeeded jobs produced, by job id (JSON documents); a job has at most one result.</summary>
public sealed record SaveResultsParams(IReadOnlyList<(Guid JobId, string Result)> Results);

/// <summary>How many synthetic rows <c>DeleteSyntheticAsync</c> removed.</summary>
public sealed record DeletedSynthetic(long Sessions, long Jobs);

/// <summary>Lock up to <see cref="Max"/> jobs finished before <see cref="Before"/>, oldest first, skipping locked rows.</summary>
public sealed record LockFinishedJobsParams(DateTimeOffset Before, int Max, bool WithRecords);

/// <summary>A finished job locked for pruning, with the path of its stored file (relative to the storage root), if any.</summary>
public sealed record FinishedJob(Guid Id, string? FilePath);

/// <summary>The locked finished jobs to delete with their events, detections, failures and files.</summary>
public sealed record DeleteJobsParams(IReadOnlyList<Guid> Ids);
