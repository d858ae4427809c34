using Conveyor.Core;
using Conveyor.Storage.Driver;
using Microsoft.Extensions.Time.Testing;

namespace Conveyor.Storage.Tests;

/// <summary>
/// The driver contract at the executor level (after River's <c>riverdrivertest</c>): each operation of
/// <see cref="IDriverTransaction"/> on its own, against each driver, checked with raw SQL. The orchestration above it
/// is held by <see cref="JobStoreContract"/>; this suite pins what a new driver must do for that one to hold.
/// </summary>
public abstract class DriverContract : IAsyncLifetime
{
    private const string Owner = "worker-1";

    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(3));
    private StoreHarness? _db;

    private StoreHarness Db => _db ?? throw new InvalidOperationException("The harness is not ready.");
    private IStoreDriver Driver => (IStoreDriver)Db.Store;
    private FakeTimeProvider Clock => Db.Clock;
    private DateTimeOffset Now => Clock.GetUtcNow();
    private CancellationToken Ct => _timeout.Token;

    protected abstract Task<StoreHarness> CreateHarnessAsync(CancellationToken ct);

    public async Task InitializeAsync()
    {
        _db = await CreateHarnessAsync(Ct);
        await Db.Store.MigrateAsync(Ct);
    }

    public async Task DisposeAsync()
    {
        if (_db is not null) await _db.DisposeAsync();
        _timeout.Dispose();
    }

    private async Task<NewJob> InsertCommittedAsync(ANewJob? job = null)
    {
        var built = (job ?? ANewJob.Noop()).Build();
        await using var tx = await Driver.BeginAsync(Ct);
        await tx.InsertJobsAsync(new InsertJobsParams([built], Now, AuditId: null), Ct);
        await tx.CommitAsync(Ct);
        return built;
    }

    private async Task<Job> ClaimAsync(Guid id)
    {
        var claimed = await Db.Store.ClaimAsync(Owner, 1, TimeSpan.FromSeconds(30), Ct);
        Assert.Equal([id], claimed.Select(j => j.Id));
        return claimed[0];
    }

    [Fact]
    public async Task InsertJobs_writes_queued_rows_and_one_created_event_each_in_input_order()
    {
        var first = ANewJob.Noop().CreatedBy("alice").Build();
        var second = ANewJob.Noop().WithPriority(3).ScheduledAt(Now.AddMinutes(5)).Build();
        var auditId = Guid.CreateVersion7();
        await using (var tx = await Driver.BeginAsync(Ct))
        {
            await tx.InsertJobsAsync(new InsertJobsParams([first, second], Now, auditId), Ct);
            await tx.CommitAsync(Ct);
        }

        var row = await Db.JobRowAsync(first.Id, Ct);
        Assert.Equal(("queued", 0, Now, Now), (row.Status, row.Attempt, row.ScheduledAt, row.CreatedAt));
        Assert.Equal(Now.AddMinutes(5), (await Db.JobRowAsync(second.Id, Ct)).ScheduledAt);
        var events = await Db.EventRowsAsync(first.Id, Ct);
        Assert.Equal([("created", (string?)null, (string?)"queued", "alice")], events.Select(e => (e.Type, e.FromStatus, e.ToStatus, e.Actor)));
        Assert.Equal([auditId], await Db.EventAuditIdsAsync(second.Id, Ct));
        Assert.True(events[0].Id < (await Db.EventRowsAsync(second.Id, Ct))[0].Id);
    }

    [Fact]
    public async Task A_transaction_disposed_without_commit_leaves_nothing()
    {
        var job = ANewJob.Noop().Build();
        await using (var tx = await Driver.BeginAsync(Ct))
        {
            await tx.LockAuditChainAsync(new LockAuditChainParams(), Ct);
            await tx.InsertJobsAsync(new InsertJobsParams([job], Now, AuditId: null), Ct);
        }

        Assert.Null(await Db.FindJobRowAsync(job.Id, Ct));
        Assert.Equal(0, await Db.CountEventsAsync(Ct));
    }

    [Fact]
    public async Task A_read_sees_the_writes_made_before_it_in_the_same_transaction()
    {
        var job = ANewJob.Noop().Build();
        await using var tx = await Driver.BeginAsync(Ct);
        await tx.InsertJobsAsync(new InsertJobsParams([job], Now, AuditId: null), Ct);

        var locked = await tx.LockJobAsync(new LockJobParams(job.Id, WithRetry: false), Ct);

        Assert.Equal((job.Id, JobStatus.Queued), (locked!.Job.Id, locked.Job.Status));
        await tx.CommitAsync(Ct);
    }

    [Fact]
    public async Task Commit_twice_is_refused()
    {
        await using var tx = await Driver.BeginAsync(Ct);
        await tx.LockAuditChainAsync(new LockAuditChainParams(), Ct);
        await tx.CommitAsync(Ct);

        await Assert.ThrowsAsync<InvalidOperationException>(() => tx.CommitAsync(Ct));
    }

    [Fact]
    public async Task LockJob_reads_the_job_and_its_retry_or_nothing_for_an_unknown_id()
    {
        var original = await InsertCommittedAsync();
        var retry = await InsertCommittedAsync(ANewJob.Noop());
        // Linked the way retry-as-new leaves them; both databases take an id as quoted text.
        await Db.ExecuteAsync($"UPDATE jobs SET retry_of = '{original.Id}' WHERE id = '{retry.Id}'", Ct);
        await using var tx = await Driver.BeginAsync(Ct);

        var withRetry = await tx.LockJobAsync(new LockJobParams(original.Id, WithRetry: true), Ct);
        var without = await tx.LockJobAsync(new LockJobParams(original.Id, WithRetry: false), Ct);
        var missing = await tx.LockJobAsync(new LockJobParams(Guid.CreateVersion7(), WithRetry: true), Ct);

        Assert.Equal((original.Id, (Guid?)retry.Id), (withRetry!.Job.Id, withRetry.Retry?.Id));
        Assert.Null(without!.Retry);
        Assert.Null(missing);
        await tx.CommitAsync(Ct);
    }

    [Fact]
    public async Task LockLeasedJobStates_returns_only_the_owners_running_jobs_in_id_order()
    {
        var mine = await InsertCommittedAsync();
        var queued = await InsertCommittedAsync(ANewJob.Noop().ScheduledAt(Now.AddHours(1)));
        await ClaimAsync(mine.Id);
        var other = await InsertCommittedAsync();
        var theirs = (await Db.Store.ClaimAsync("worker-2", 1, TimeSpan.FromSeconds(30), Ct)).Single();
        Assert.Equal(other.Id, theirs.Id);

        await using var tx = await Driver.BeginAsync(Ct);
        var states = await tx.LockLeasedJobStatesAsync(new LockLeasedJobStatesParams(Owner, [queued.Id, theirs.Id, mine.Id]), Ct);

        var state = Assert.Single(states);
        Assert.Equal((mine.Id, JobStatus.Running, 1, (string?)Owner), (state.Id, state.Status, state.Attempt, state.LeaseOwner));
        await tx.CommitAsync(Ct);
    }

    [Fact]
    public async Task LockExpiredJobStates_returns_running_jobs_whose_lease_ended_oldest_first_up_to_max()
    {
        var first = await InsertCommittedAsync();
        await ClaimAsync(first.Id);
        Clock.Advance(TimeSpan.FromSeconds(5));
        var second = await InsertCommittedAsync();
        await ClaimAsync(second.Id);
        Clock.Advance(TimeSpan.FromSeconds(5));
        var third = await InsertCommittedAsync();
        await ClaimAsync(third.Id);
        Clock.Advance(TimeSpan.FromSeconds(32));

        await using var tx = await Driver.BeginAsync(Ct);
        var states = await tx.LockExpiredJobStatesAsync(new LockExpiredJobStatesParams(Now, Max: 5), Ct);
        var limited = await tx.LockExpiredJobStatesAsync(new LockExpiredJobStatesParams(Now, Max: 1), Ct);

        // Leases of 30 s from 0, 5 and 10 s: at 42 s the first two have ended, the third (until 40 s) too.
        Assert.Equal([first.Id, second.Id, third.Id], states.Select(s => s.Id));
        Assert.Equal([first.Id], limited.Select(s => s.Id));
        await tx.CommitAsync(Ct);
    }

    [Fact]
    public async Task WriteChanges_writes_the_planned_state_its_event_and_progress_only_where_given()
    {
        var withProgress = await InsertCommittedAsync();
        await ClaimAsync(withProgress.Id);
        var without = await InsertCommittedAsync();
        await ClaimAsync(without.Id);
        Clock.Advance(TimeSpan.FromSeconds(2));

        await using (var tx = await Driver.BeginAsync(Ct))
        {
            var states = await tx.LockLeasedJobStatesAsync(new LockLeasedJobStatesParams(Owner, [withProgress.Id, without.Id]), Ct);
            var changes = states.Select(s => JobChanges.Plan(s, JobOperation.Succeed, Now)!).ToList();
            var progress = new Dictionary<Guid, ProgressUpdate> { [withProgress.Id] = new(withProgress.Id, 40, 2, 42) };
            await tx.WriteChangesAsync(new WriteChangesParams(changes, "worker:" + Owner, Progress: progress), Ct);
            await tx.CommitAsync(Ct);
        }

        var done = await Db.JobRowAsync(withProgress.Id, Ct);
        Assert.Equal(("succeeded", (string?)null, Now, 40L, 2L, (long?)42), (done.Status, done.LeaseOwner, done.CompletedAt,
            done.RecordsProcessed, done.RecordsFailed, done.RecordsTotal));
        var plain = await Db.JobRowAsync(without.Id, Ct);
        Assert.Equal(("succeeded", 0L, 0L, (long?)null), (plain.Status, plain.RecordsProcessed, plain.RecordsFailed, plain.RecordsTotal));
        var last = (await Db.EventRowsAsync(without.Id, Ct))[^1];
        Assert.Equal(("succeeded", "running", "succeeded", "worker:" + Owner, Now), (last.Type, last.FromStatus!, last.ToStatus!, last.Actor, last.At));
    }

    [Fact]
    public async Task WriteProgress_applies_several_updates_of_one_job_in_order_and_skips_jobs_not_running()
    {
        var running = await InsertCommittedAsync();
        await ClaimAsync(running.Id);
        var queued = await InsertCommittedAsync(ANewJob.Noop().ScheduledAt(Now.AddHours(1)));
        var before = (await Db.JobRowAsync(running.Id, Ct)).UpdatedAt;

        await using (var tx = await Driver.BeginAsync(Ct))
        {
            await tx.WriteProgressAsync(new WriteProgressParams(
                [new(running.Id, 10, 0, null), new(running.Id, 20, 1, 30), new(queued.Id, 5, 5, 5)], Now), Ct);
            await tx.CommitAsync(Ct);
        }

        var row = await Db.JobRowAsync(running.Id, Ct);
        Assert.Equal((20L, 1L, (long?)30), (row.RecordsProcessed, row.RecordsFailed, row.RecordsTotal));
        Assert.Equal(before + 2 * JobChanges.Tick, row.UpdatedAt);
        Assert.Equal(0L, (await Db.JobRowAsync(queued.Id, Ct)).RecordsProcessed);
    }

    [Fact]
    public async Task LockAuditChain_starts_at_genesis_and_AppendAudit_moves_the_head()
    {
        var audit = AuditContext.System("test.append");
        AuditEvent appended;
        await using (var tx = await Driver.BeginAsync(Ct))
        {
            var head = await tx.LockAuditChainAsync(new LockAuditChainParams(), Ct);
            Assert.Equal((0L, AuditChain.Genesis, (ExistingJob?)null), (head.Seq, head.Hash, head.Existing));
            appended = AuditChain.Link(head.Seq, head.Hash, audit, Now, "target-1", AuditOutcomes.Applied);
            await tx.AppendAuditAsync(new AppendAuditParams(appended), Ct);
            await tx.CommitAsync(Ct);
        }

        await using var next = await Driver.BeginAsync(Ct);
        var moved = await next.LockAuditChainAsync(new LockAuditChainParams(), Ct);
        Assert.Equal((1L, appended.Hash), (moved.Seq, moved.Hash));
        Assert.Equal([appended], await ((IAuditStore)Db.Store).ReadAuditChainAsync(0, 10, Ct));
        await next.CommitAsync(Ct);
    }

    [Fact]
    public async Task LockAuditChain_with_an_idempotency_key_reads_the_job_holding_it_and_its_request_hash()
    {
        var job = await InsertCommittedAsync(ANewJob.Noop().WithIdempotencyKey("key-1", "hash-1"));
        await using var tx = await Driver.BeginAsync(Ct);

        var found = await tx.LockAuditChainAsync(new LockAuditChainParams("key-1"), Ct);
        var missing = await tx.LockAuditChainAsync(new LockAuditChainParams("key-2"), Ct);

        Assert.Equal((job.Id, (string?)"hash-1"), (found.Existing!.Job.Id, found.Existing.RequestHash));
        Assert.Null(missing.Existing);
        await tx.CommitAsync(Ct);
    }

    [Fact]
    public async Task InsertFiles_and_SaveDetections_store_what_the_readers_return()
    {
        var job = ANewJob.Noop().Build();
        var file = new StoredFile(job.Id, $"uploads/{job.Id}/a.csv", "a.csv", 12, new string('a', 64), "text/csv", Now);
        var detection = new DetectionRecord(job.Id, "csv", """{"format":"csv"}""", Now);
        await using (var tx = await Driver.BeginAsync(Ct))
        {
            await tx.InsertJobsAsync(new InsertJobsParams([job], Now, AuditId: null), Ct);
            await tx.InsertFilesAsync(new InsertFilesParams([file]), Ct);
            await tx.SaveDetectionsAsync(new SaveDetectionsParams([detection]), Ct);
            await tx.CommitAsync(Ct);
        }

        var records = (IRecordStore)Db.Store;
        Assert.Equal(file, await records.GetFileAsync(job.Id, Ct));
        var stored = await records.GetDetectionAsync(job.Id, Ct);
        Assert.Equal(("csv", Now), (stored!.ContentType, stored.DetectedAt));
    }

    [Fact]
    public async Task RevokeKey_says_whether_it_changed_the_key_and_reads_it_back()
    {
        var key = new ApiKeyRecord(Guid.CreateVersion7(), "cvk_test", "hash", "ci", "operator", Now, null, null, null);
        await using (var tx = await Driver.BeginAsync(Ct))
        {
            await tx.InsertKeyAsync(new InsertKeyParams(key), Ct);
            await tx.CommitAsync(Ct);
        }

        await using var revoke = await Driver.BeginAsync(Ct);
        var first = await revoke.RevokeKeyAsync(new RevokeKeyParams(key.Id, Now), Ct);
        var again = await revoke.RevokeKeyAsync(new RevokeKeyParams(key.Id, Now.AddSeconds(1)), Ct);
        var missing = await revoke.RevokeKeyAsync(new RevokeKeyParams(Guid.CreateVersion7(), Now), Ct);
        await revoke.CommitAsync(Ct);

        Assert.Equal((true, (DateTimeOffset?)Now), (first.Changed, first.Key!.RevokedAt));
        Assert.Equal((false, (DateTimeOffset?)Now), (again.Changed, again.Key!.RevokedAt));
        Assert.Equal((false, (ApiKeyRecord?)null), (missing.Changed, missing.Key));
    }

    [Fact]
    public async Task PurgeRecords_removes_the_rows_a_load_committed()
    {
        var job = await InsertCommittedAsync(ANewJob.Noop().WithDataset("sales"));
        var claimed = await ClaimAsync(job.Id);
        var records = (IRecordStore)Db.Store;
        await using (var load = await records.BeginLoadAsync(new LoadFence(job.Id, Owner, claimed.Attempt, "sales"), Ct))
        {
            await load.AddAsync(1, """{"a":1}""".AsMemory(), Ct);
            await load.AddAsync(2, """{"a":2}""".AsMemory(), Ct);
            await load.CompleteAsync([], Ct);
        }
        Assert.Equal(2, (await records.ListRecordsAsync(new RecordQuery { JobId = job.Id, Limit = 10 }, Ct)).Count);

        await using (var tx = await Driver.BeginAsync(Ct))
        {
            await tx.PurgeRecordsAsync(new PurgeRecordsParams([job.Id]), Ct);
            await tx.CommitAsync(Ct);
        }

        Assert.Empty(await records.ListRecordsAsync(new RecordQuery { JobId = job.Id, Limit = 10 }, Ct));
    }
}
