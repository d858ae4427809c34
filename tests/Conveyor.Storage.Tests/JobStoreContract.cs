using Conveyor.Core;
using Microsoft.Extensions.Time.Testing;

namespace Conveyor.Storage.Tests;

/// <summary>
/// The one contract every <see cref="IJobStore"/> keeps, run against each driver by a subclass. Every test gets a
/// fresh, migrated, empty database and a clock that only moves when the test moves it. State is checked with raw
/// SQL on the tables, never only through the store's own readers.
/// </summary>
public abstract partial class JobStoreContract : IAsyncLifetime
{
    protected const string Worker = "worker-1";
    protected const string OtherWorker = "worker-2";
    protected const string Operator = "alice";
    protected static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(3));
    private StoreHarness? _db;

    protected StoreHarness Db => _db ?? throw new InvalidOperationException("The harness is not ready.");
    protected IJobStore Store => Db.Store;
    protected FakeTimeProvider Clock => Db.Clock;
    protected DateTimeOffset Now => Clock.GetUtcNow();
    protected CancellationToken Ct => _timeout.Token;

    /// <summary>A fresh, empty database and a store over it (not yet migrated).</summary>
    protected abstract Task<StoreHarness> CreateHarnessAsync(CancellationToken ct);

    public async Task InitializeAsync()
    {
        _db = await CreateHarnessAsync(Ct);
        await Store.MigrateAsync(Ct);
    }

    public async Task DisposeAsync()
    {
        if (_db is not null) await _db.DisposeAsync();
        _timeout.Dispose();
    }

    /// <summary>An audit context for a call the test makes as <paramref name="actor"/>.</summary>
    protected static AuditContext Audit(string actor = Operator, string action = "test.action") => new(actor, "operator", action);

    protected async Task<Job> CreateAsync(ANewJob job)
    {
        var outcome = await Store.CreateAsync(job, Audit(), Ct);
        Assert.True(outcome.Created);
        return outcome.Job;
    }

    /// <summary>Claims exactly the job <paramref name="id"/> (the only due one) for <paramref name="owner"/>.</summary>
    protected async Task<Job> ClaimOnlyAsync(Guid id, string owner = Worker)
    {
        var claimed = await Store.ClaimAsync(owner, 1, Lease, Ct);
        Assert.Equal([id], claimed.Select(j => j.Id));
        return claimed[0];
    }

    protected async Task CompleteAsync(Guid id, JobOperation operation, TransitionInput? input = null, string owner = Worker)
    {
        var written = await Store.CompleteAsync(owner, [new Completion(id, operation, input ?? TransitionInput.None)], Ct);
        Assert.Equal(1, written);
    }

    /// <summary>A job brought into <paramref name="situation"/> the way workers and operators would, one clock second per step.</summary>
    protected async Task<Job> AJobThatIs(Situation situation, ANewJob? job = null)
    {
        job ??= ANewJob.Noop();
        if (situation == Situation.Failed) job = job.WithMaxAttempts(1);
        var created = await CreateAsync(job);
        Clock.Advance(TimeSpan.FromSeconds(1));
        switch (situation)
        {
            case Situation.Queued:
                break;
            case Situation.Cancelled:
                Assert.Equal(TransitionKind.Applied, (await Store.ApplyAsync(created.Id, JobOperation.Cancel, Audit(Operator), Ct)).Transition!.Kind);
                break;
            default:
                await ClaimOnlyAsync(created.Id);
                Clock.Advance(TimeSpan.FromSeconds(1));
                if (situation == Situation.RunningCancelRequested)
                    Assert.Equal(TransitionKind.Applied, (await Store.ApplyAsync(created.Id, JobOperation.Cancel, Audit(Operator), Ct)).Transition!.Kind);
                if (situation == Situation.Succeeded)
                    await CompleteAsync(created.Id, JobOperation.Succeed);
                if (situation == Situation.Failed)
                    await CompleteAsync(created.Id, JobOperation.Fail, new TransitionInput { Error = "Row 3 is bad.", ErrorRef = "err-3" });
                break;
        }
        Clock.Advance(TimeSpan.FromSeconds(1));
        var now = await Store.GetAsync(created.Id, Ct);
        Assert.NotNull(now);
        return now;
    }

    /// <summary>What an operator's "retry" asks for: the same work as a new job.</summary>
    protected static NewJob RetryOf(Job original) => new()
    {
        Type = original.Type,
        SourceType = original.SourceType,
        Priority = original.Priority,
        Metadata = original.Metadata,
        Dataset = original.Dataset,
        MaxAttempts = original.MaxAttempts,
        CreatedBy = Operator,
    };
}
