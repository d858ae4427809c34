using Conveyor.Core;
using Conveyor.Storage.Driver;

namespace Conveyor.Storage;

/// <summary>
/// Every state change, written once for every driver: open a transaction, lock the rows, ask the status machine
/// (<see cref="StatusMachine"/>, <see cref="JobChanges"/>), write the changes with their events, purge what a failed or
/// cancelled job loaded, append the audit event, notify, commit, and wake this process's workers. A driver only
/// supplies the operations (<see cref="IDriverTransaction"/>); the order of locks (a job's row, then the audit chain)
/// and of writes is decided here.
/// </summary>
public sealed class StoreOrchestration(IStoreDriver driver, TimeProvider time)
{
    private const string SweeperActor = "sweeper";
    private const string DemoActor = "demo";

    private DateTimeOffset Now() => time.GetUtcNow().Truncate();

    private static string WorkerActor(string owner) => "worker:" + owner;

    private AppendAuditParams Audit(AuditChainHead head, AuditContext audit, string? target, string outcome) =>
        new(AuditChain.Link(head.Seq, head.Hash, audit, Now(), target, outcome));

    public async Task<CreateOutcome> CreateAsync(NewJob job, AuditContext audit, CancellationToken ct)
    {
        var now = Now();
        CreateOutcome outcome;
        await using (var tx = await driver.BeginAsync(ct))
        {
            // Every audited create holds the audit lock, so looking the key up first cannot race another create.
            var head = await tx.LockAuditChainAsync(new LockAuditChainParams(job.IdempotencyKey), ct);
            if (head.Existing is { } found)
            {
                var conflict = !string.Equals(found.RequestHash, job.RequestHash, StringComparison.Ordinal);
                await tx.AppendAuditAsync(Audit(head, audit, found.Job.Id.ToString(), conflict ? AuditOutcomes.Rejected : AuditOutcomes.NoOp), ct);
                await tx.CommitAsync(ct);
                return new CreateOutcome(found.Job, Created: false, IdempotencyConflict: conflict);
            }
            await tx.InsertJobsAsync(new InsertJobsParams([job], now, audit.Id), ct);
            await tx.AppendAuditAsync(Audit(head, audit, job.Id.ToString(), AuditOutcomes.Applied), ct);
            if (IsDue(job, now)) await tx.NotifyAsync(ct);
            await tx.CommitAsync(ct);
            outcome = new CreateOutcome(QueuedJob.From(job, now), Created: true);
        }
        driver.Signals.Signal();
        return outcome;
    }

    public async Task<IReadOnlyList<Job>> CreateBatchAsync(IReadOnlyList<NewJob> jobs, AuditContext audit, CancellationToken ct)
    {
        var now = Now();
        await using (var tx = await driver.BeginAsync(ct))
        {
            var head = await tx.LockAuditChainAsync(new LockAuditChainParams(), ct);
            if (jobs.Count > 0) await tx.InsertJobsAsync(new InsertJobsParams(jobs, now, audit.Id), ct);
            await tx.AppendAuditAsync(Audit(head, audit, null, AuditOutcomes.Applied), ct);
            if (jobs.Any(j => IsDue(j, now))) await tx.NotifyAsync(ct);
            await tx.CommitAsync(ct);
        }
        driver.Signals.Signal();
        return jobs.Select(j => QueuedJob.From(j, now)).ToList();
    }

    /// <summary>Creates queued jobs with their stored files (and detection results) and one audit event.</summary>
    public async Task<IReadOnlyList<Job>> CreateWithFilesAsync(IReadOnlyList<NewUpload> uploads, AuditContext audit, CancellationToken ct)
    {
        if (uploads.Count == 0) return [];
        var now = Now();
        var jobs = uploads.Select(u => u.Job).ToList();
        var detections = uploads.Where(u => u.DetectionResult is not null)
            .Select(u => new DetectionRecord(u.Job.Id, u.DetectionContentType ?? "unknown", u.DetectionResult!, now)).ToList();
        await using (var tx = await driver.BeginAsync(ct))
        {
            // The job rows, their files, detection results and the audit event commit together, or none of them does.
            var head = await tx.LockAuditChainAsync(new LockAuditChainParams(), ct);
            await tx.InsertJobsAsync(new InsertJobsParams(jobs, now, audit.Id), ct);
            await tx.InsertFilesAsync(new InsertFilesParams(uploads.Select(u => u.File with { JobId = u.Job.Id }).ToList()), ct);
            if (detections.Count > 0) await tx.SaveDetectionsAsync(new SaveDetectionsParams(detections), ct);
            await tx.AppendAuditAsync(Audit(head, audit, jobs.Count == 1 ? jobs[0].Id.ToString() : null, AuditOutcomes.Applied), ct);
            await tx.NotifyAsync(ct);
            await tx.CommitAsync(ct);
        }
        driver.Signals.Signal();
        return jobs.Select(j => QueuedJob.From(j, now)).ToList();
    }

    /// <summary>Creates a session, its queued first job (and the job's stored file) and one audit event, or none of them.</summary>
    public async Task<Job> CreateSessionAsync(NewSession session, NewJob job, StoredFile? file, AuditContext audit, CancellationToken ct)
    {
        var now = Now();
        var first = job with { SessionId = session.Id, Synthetic = session.Synthetic };
        await using (var tx = await driver.BeginAsync(ct))
        {
            var head = await tx.LockAuditChainAsync(new LockAuditChainParams(), ct);
            await tx.InsertSessionAsync(new InsertSessionParams(session, now), ct);
            await tx.InsertJobsAsync(new InsertJobsParams([first], now, audit.Id), ct);
            if (file is not null) await tx.InsertFilesAsync(new InsertFilesParams([file with { JobId = first.Id }]), ct);
            await tx.AppendAuditAsync(Audit(head, audit, session.Id.ToString(), AuditOutcomes.Applied), ct);
            if (IsDue(first, now)) await tx.NotifyAsync(ct);
            await tx.CommitAsync(ct);
        }
        driver.Signals.Signal();
        return QueuedJob.From(first, now);
    }

    /// <summary>
    /// Writes synthetic sessions and jobs: every job inserted queued, then moved along its path one operation at a time,
    /// each change planned by the status machine and written with its event (actor <c>demo</c>), so its events form a
    /// legal path. No audit event (see <see cref="IDemoData"/>).
    /// </summary>
    public async Task SeedDemoAsync(DemoSeed seed, CancellationToken ct)
    {
        var now = Now();
        await using var tx = await driver.BeginAsync(ct);
        foreach (var session in seed.Sessions) await tx.InsertSessionAsync(new InsertSessionParams(session, now), ct);
        var jobs = seed.Jobs.Select(j => j.Job with { Synthetic = true }).ToList();
        if (jobs.Count > 0) await tx.InsertJobsAsync(new InsertJobsParams(jobs, now, AuditId: null), ct);
        var states = jobs.Select(j => JobRows.StateOf(QueuedJob.From(j, now))).ToArray();
        for (var step = 0; step < seed.Jobs.Max(j => (int?)j.Path.Count); step++)
        {
            var changes = new List<JobChange>();
            for (var i = 0; i < states.Length; i++)
            {
                if (step >= seed.Jobs[i].Path.Count) continue;
                var (operation, input) = seed.Jobs[i].Path[step];
                var change = JobChanges.Plan(states[i], operation, now, input)
                    ?? throw new ArgumentException($"A demo job cannot {operation} from {states[i].Status}.", nameof(seed));
                changes.Add(change);
                states[i] = change.After;
            }
            await WriteAsync(tx, changes, DemoActor, auditId: null, progress: null, ct);
        }
        var results = seed.Jobs.Select((j, i) => (j, i))
            .Where(x => x.j.Result is not null && states[x.i].Status == JobStatus.Succeeded)
            .Select(x => (states[x.i].Id, x.j.Result!)).ToList();
        if (results.Count > 0) await tx.SaveResultsAsync(new SaveResultsParams(results), ct);
        await tx.CommitAsync(ct);
    }

    public async Task<DemoCleared> ClearDemoAsync(CancellationToken ct)
    {
        await using var tx = await driver.BeginAsync(ct);
        var deleted = await tx.DeleteSyntheticAsync(ct);
        await tx.CommitAsync(ct);
        return new DemoCleared(deleted.Sessions, deleted.Jobs);
    }

    public async Task<OperationOutcome> ApplyAsync(Guid id, JobOperation operation, AuditContext audit, CancellationToken ct)
    {
        OperationOutcome outcome;
        await using (var tx = await driver.BeginAsync(ct))
        {
            // The job's row lock first, then the audit lock: every path takes them in this order.
            var locked = await tx.LockJobAsync(new LockJobParams(id, WithRetry: false), ct);
            var head = await tx.LockAuditChainAsync(new LockAuditChainParams(), ct);
            if (locked is null)
            {
                await tx.AppendAuditAsync(Audit(head, audit, id.ToString(), AuditOutcomes.Rejected), ct);
                await tx.CommitAsync(ct);
                return OperationOutcome.NotFound;
            }
            var state = JobRows.StateOf(locked.Job);
            var result = StatusMachine.Decide(state.Snapshot, operation);
            var job = locked.Job;
            if (result.IsApplied)
            {
                var change = JobChanges.Plan(state, operation, result, Now(), TransitionInput.None);
                await WriteAsync(tx, [change], audit.Actor, audit.Id, progress: null, ct);
                job = JobRows.With(job, change.After);
            }
            await tx.AppendAuditAsync(Audit(head, audit, id.ToString(), AuditOutcomes.Of(result)), ct);
            await tx.CommitAsync(ct);
            outcome = new OperationOutcome(job, result);
        }
        if (outcome.Transition is { IsApplied: true, To: JobStatus.Queued }) driver.Signals.Signal();
        return outcome;
    }

    public async Task<RetryAsNewOutcome> RetryAsNewAsync(Guid id, Func<Job, NewJob> buildRetry, AuditContext audit, CancellationToken ct)
    {
        RetryAsNewOutcome outcome;
        await using (var tx = await driver.BeginAsync(ct))
        {
            var locked = await tx.LockJobAsync(new LockJobParams(id, WithRetry: true), ct);
            var head = await tx.LockAuditChainAsync(new LockAuditChainParams(), ct);
            if (locked is null)
            {
                await tx.AppendAuditAsync(Audit(head, audit, id.ToString(), AuditOutcomes.Rejected), ct);
                await tx.CommitAsync(ct);
                return RetryAsNewOutcome.NotFound;
            }
            var state = JobRows.StateOf(locked.Job, hasRetry: locked.Retry is not null);
            var result = StatusMachine.Decide(state.Snapshot, JobOperation.RetryAsNew);
            var original = locked.Job;
            var retry = result.Kind == TransitionKind.NoOp ? locked.Retry : null;
            if (result.IsApplied)
            {
                var now = Now();
                var newJob = buildRetry(locked.Job) with { RetryOf = id };
                var change = JobChanges.Plan(state, JobOperation.RetryAsNew, result, now, TransitionInput.None)
                    with { EventData = $$"""{"retry_id":"{{newJob.Id}}"}""" };
                // The new job (and its created event) first, then the original's change.
                await tx.InsertJobsAsync(new InsertJobsParams([newJob], now, audit.Id), ct);
                await WriteAsync(tx, [change], audit.Actor, audit.Id, progress: null, ct);
                if (IsDue(newJob, now)) await tx.NotifyAsync(ct);
                original = JobRows.With(original, change.After);
                retry = QueuedJob.From(newJob, now);
            }
            await tx.AppendAuditAsync(Audit(head, audit, id.ToString(), AuditOutcomes.Of(result)), ct);
            await tx.CommitAsync(ct);
            outcome = new RetryAsNewOutcome(original, retry, result);
        }
        if (outcome.Transition is { IsApplied: true }) driver.Signals.Signal();
        return outcome;
    }

    /// <summary>
    /// One batch of a bulk action: locks the jobs (in id order, then the audit chain when this batch appends the action's
    /// one audit event), asks the status machine about each, and writes every change with its own event, all carrying
    /// the action's audit id. A retry-as-new inserts the new jobs first, as <see cref="RetryAsNewAsync"/> does.
    /// </summary>
    public async Task<BulkApplyOutcome> ApplyManyAsync(BulkApply bulk, CancellationToken ct)
    {
        var retry = bulk.Operation == JobOperation.RetryAsNew;
        if (retry && bulk.BuildRetry is null) throw new ArgumentException("A bulk retry needs BuildRetry.", nameof(bulk));
        List<JobChange> changes = [];
        List<NewJob> created = [];
        int unchanged = 0, rejected = 0;
        await using (var tx = await driver.BeginAsync(ct))
        {
            var locked = await tx.LockJobsAsync(new LockJobsParams(bulk.Ids, WithRetry: retry), ct);
            var head = bulk.AppendAudit ? await tx.LockAuditChainAsync(new LockAuditChainParams(), ct) : null;
            var now = Now();
            foreach (var job in locked)
            {
                var state = JobRows.StateOf(job.Job, hasRetry: job.Retry is not null);
                var result = StatusMachine.Decide(state.Snapshot, bulk.Operation);
                if (!result.IsApplied)
                {
                    if (result.Kind == TransitionKind.NoOp) unchanged++;
                    else rejected++;
                    continue;
                }
                var change = JobChanges.Plan(state, bulk.Operation, result, now, TransitionInput.None);
                if (retry)
                {
                    var newJob = bulk.BuildRetry!(job.Job) with { RetryOf = job.Job.Id };
                    created.Add(newJob);
                    change = change with { EventData = $$"""{"retry_id":"{{newJob.Id}}"}""" };
                }
                changes.Add(change);
            }
            if (created.Count > 0)
            {
                await tx.InsertJobsAsync(new InsertJobsParams(created, now, bulk.Audit.Id), ct);
                if (created.Any(j => IsDue(j, now))) await tx.NotifyAsync(ct);
            }
            await WriteAsync(tx, changes, bulk.Audit.Actor, bulk.Audit.Id, progress: null, ct);
            if (head is not null) await tx.AppendAuditAsync(Audit(head, bulk.Audit, null, AuditOutcomes.Applied), ct);
            await tx.CommitAsync(ct);
        }
        if (created.Count > 0 || changes.Any(c => c.After.Status == JobStatus.Queued)) driver.Signals.Signal();
        return new BulkApplyOutcome(changes.Select(c => c.After.Id).ToList(), unchanged, rejected, bulk.Ids.Count - changes.Count - unchanged - rejected);
    }

    /// <summary>
    /// Records how handlers ended; jobs no longer leased by <paramref name="owner"/>, or leased again since the attempt
    /// that ran, are skipped. A success writes the job's result and inserts its follow-up jobs in the same transaction,
    /// so the next stage of a pipeline is enqueued exactly once: a job succeeds once, and an outcome whose lease was lost
    /// (a rescued job) writes nothing.
    /// </summary>
    public async Task<int> CompleteAsync(string owner, IReadOnlyList<Completion> completions, CancellationToken ct)
    {
        if (completions.Count == 0) return 0;
        var byId = completions.ToDictionary(c => c.Id);
        List<JobChange> changes;
        var followUps = new List<NewJob>();
        await using (var tx = await driver.BeginAsync(ct))
        {
            var states = await tx.LockLeasedJobStatesAsync(new LockLeasedJobStatesParams(owner, byId.Keys), ct);
            var now = Now();
            changes = new List<JobChange>(states.Count);
            var progressOnly = new List<ProgressUpdate>();
            var results = new List<(Guid, string)>();
            Dictionary<Guid, ProgressUpdate>? progress = null;
            foreach (var state in states)
            {
                var completion = byId[state.Id];
                if (completion.Attempt is { } attempt && attempt != state.Attempt) continue;
                if (JobChanges.Plan(state, completion.Operation, now, completion.Input) is { } change)
                {
                    changes.Add(change);
                    if (completion.Progress is { } p) (progress ??= [])[state.Id] = p;
                    if (change.After.Status != JobStatus.Succeeded) continue;
                    if (completion.Result is { } result) results.Add((state.Id, result));
                    if (completion.FollowUps is { } next) followUps.AddRange(next);
                }
                else if (completion.Progress is { } p)
                {
                    progressOnly.Add(p);
                }
            }
            if (progressOnly.Count > 0) await tx.WriteProgressAsync(new WriteProgressParams(progressOnly, now), ct);
            await WriteAsync(tx, changes, WorkerActor(owner), auditId: null, progress, ct);
            if (results.Count > 0) await tx.SaveResultsAsync(new SaveResultsParams(results), ct);
            if (followUps.Count > 0)
            {
                await tx.InsertJobsAsync(new InsertJobsParams(followUps, now, AuditId: null), ct);
                if (followUps.Any(j => IsDue(j, now))) await tx.NotifyAsync(ct);
            }
            await tx.CommitAsync(ct);
        }
        if (followUps.Count > 0 || changes.Any(c => c.After.Status == JobStatus.Queued)) driver.Signals.Signal();
        return changes.Count;
    }

    /// <summary>Rescues running jobs whose lease expired: re-queued, failed ("worker lost") or cancelled.</summary>
    public async Task<int> RescueExpiredAsync(int max, CancellationToken ct)
    {
        if (max <= 0) return 0;
        List<JobChange> changes;
        await using (var tx = await driver.BeginAsync(ct))
        {
            var now = Now();
            var states = await tx.LockExpiredJobStatesAsync(new LockExpiredJobStatesParams(now, max), ct);
            changes = states.Select(s => JobChanges.Plan(s, JobOperation.Rescue, now)).OfType<JobChange>().ToList();
            await WriteAsync(tx, changes, SweeperActor, auditId: null, progress: null, ct);
            await tx.CommitAsync(ct);
        }
        if (changes.Any(c => c.After.Status == JobStatus.Queued)) driver.Signals.Signal();
        return changes.Count;
    }

    /// <summary>Hands unfinished jobs back to the queue on graceful shutdown.</summary>
    public async Task<int> ReleaseAsync(string owner, IReadOnlyCollection<Guid> ids, CancellationToken ct)
    {
        if (ids.Count == 0) return 0;
        List<JobChange> changes;
        await using (var tx = await driver.BeginAsync(ct))
        {
            var states = await tx.LockLeasedJobStatesAsync(new LockLeasedJobStatesParams(owner, ids), ct);
            var now = Now();
            changes = states.Select(s => JobChanges.Plan(s, JobOperation.Release, now)).OfType<JobChange>().ToList();
            await WriteAsync(tx, changes, WorkerActor(owner), auditId: null, progress: null, ct);
            await tx.CommitAsync(ct);
        }
        if (changes.Any(c => c.After.Status == JobStatus.Queued)) driver.Signals.Signal();
        return changes.Count;
    }

    /// <summary>Stores <paramref name="key"/> and its <c>key.create</c> audit event (target: the key's id).</summary>
    public async Task InsertKeyAsync(ApiKeyRecord key, AuditContext audit, CancellationToken ct)
    {
        await using var tx = await driver.BeginAsync(ct);
        var head = await tx.LockAuditChainAsync(new LockAuditChainParams(), ct);
        await tx.InsertKeyAsync(new InsertKeyParams(key), ct);
        await tx.AppendAuditAsync(Audit(head, audit, key.Id.ToString(), AuditOutcomes.Applied), ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>Revokes the key (no-op when it already is) with its audit event; null when there is no such key.</summary>
    public async Task<ApiKeyRecord?> RevokeKeyAsync(Guid id, AuditContext audit, CancellationToken ct)
    {
        await using var tx = await driver.BeginAsync(ct);
        var head = await tx.LockAuditChainAsync(new LockAuditChainParams(), ct);
        var revoked = await tx.RevokeKeyAsync(new RevokeKeyParams(id, Now()), ct);
        var outcome = revoked.Key is null ? AuditOutcomes.Rejected : revoked.Changed ? AuditOutcomes.Applied : AuditOutcomes.NoOp;
        await tx.AppendAuditAsync(Audit(head, audit, id.ToString(), outcome), ct);
        await tx.CommitAsync(ct);
        return revoked.Key;
    }

    /// <summary>Pauses or resumes a job type with its audit event (target: the type); true when that changed something.</summary>
    public async Task<bool> SetTypePauseAsync(string type, bool paused, AuditContext audit, CancellationToken ct)
    {
        bool changed;
        await using (var tx = await driver.BeginAsync(ct))
        {
            var head = await tx.LockAuditChainAsync(new LockAuditChainParams(), ct);
            changed = await tx.SetTypePauseAsync(new SetTypePauseParams(type, paused, Now(), audit.Actor), ct);
            await tx.AppendAuditAsync(Audit(head, audit, type, changed ? AuditOutcomes.Applied : AuditOutcomes.NoOp), ct);
            // A resumed type's queued jobs are due again: wake the claim loops of every node.
            if (changed && !paused) await tx.NotifyAsync(ct);
            await tx.CommitAsync(ct);
        }
        if (changed && !paused) driver.Signals.Signal();
        return changed;
    }

    /// <summary>Prunes one batch of finished jobs (no audit event: audit events are never pruned, and record who did what, not this).</summary>
    public async Task<PrunedJobs> PruneFinishedAsync(DateTimeOffset before, int max, bool withRecords, CancellationToken ct)
    {
        if (max <= 0) return new PrunedJobs(0, []);
        await using var tx = await driver.BeginAsync(ct);
        var doomed = await tx.LockFinishedJobsAsync(new LockFinishedJobsParams(before.Truncate(), max, withRecords), ct);
        if (doomed.Count > 0)
        {
            var ids = doomed.Select(d => d.Id).ToList();
            if (withRecords) await tx.PurgeRecordsAsync(new PurgeRecordsParams(ids), ct);
            await tx.DeleteJobsAsync(new DeleteJobsParams(ids), ct);
        }
        await tx.CommitAsync(ct);
        return new PrunedJobs(doomed.Count, doomed.Where(d => d.FilePath is not null).Select(d => d.FilePath!).ToList());
    }

    /// <summary>Appends an event that changes nothing else.</summary>
    public async Task<AuditEvent> AppendAuditAsync(AuditContext audit, string? target, string outcome, CancellationToken ct)
    {
        await using var tx = await driver.BeginAsync(ct);
        var head = await tx.LockAuditChainAsync(new LockAuditChainParams(), ct);
        var append = Audit(head, audit, target, outcome);
        await tx.AppendAuditAsync(append, ct);
        await tx.CommitAsync(ct);
        return append.Event;
    }

    /// <summary>
    /// Writes changes with their events, then removes what failed or cancelled jobs loaded (a failed or cancelled job
    /// leaves no rows in its dataset), and notifies other nodes when one of them re-queued a job.
    /// </summary>
    private static async Task WriteAsync(IDriverTransaction tx, IReadOnlyList<JobChange> changes, string actor, Guid? auditId,
        IReadOnlyDictionary<Guid, ProgressUpdate>? progress, CancellationToken ct)
    {
        if (changes.Count == 0) return;
        await tx.WriteChangesAsync(new WriteChangesParams(changes, actor, auditId, progress), ct);
        var purged = changes.Where(c => c.After.Status is JobStatus.Failed or JobStatus.Cancelled).Select(c => c.After.Id).ToList();
        if (purged.Count > 0) await tx.PurgeRecordsAsync(new PurgeRecordsParams(purged), ct);
        if (changes.Any(c => c.After.Status == JobStatus.Queued)) await tx.NotifyAsync(ct);
    }

    private static bool IsDue(NewJob job, DateTimeOffset now) => QueuedJob.ScheduledAt(job, now) <= now;
}
