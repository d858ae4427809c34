using Conveyor.Core;

namespace Conveyor.Storage;

/// <summary>
/// One batch of a bulk action: <see cref="Operation"/> (cancel, requeue, or retry-as-new with <see cref="BuildRetry"/>) on
/// <see cref="Ids"/>, on behalf of <see cref="Audit"/>, whose one event the first batch appends (<see cref="AppendAudit"/>)
/// and every job event of every batch carries.
/// </summary>
public sealed record BulkApply(IReadOnlyList<Guid> Ids, JobOperation Operation, AuditContext Audit, bool AppendAudit,
    Func<Job, NewJob>? BuildRetry = null);

/// <summary>What one batch did: the jobs it changed, and how many were already so, refused by their status, or gone.</summary>
public sealed record BulkApplyOutcome(IReadOnlyList<Guid> Changed, int Unchanged, int Rejected, int Missing);
