using System.Text.Json;
using Conveyor.Core;

namespace Conveyor.Storage.Tests;

public abstract partial class JobStoreContract
{
    [Fact]
    public async Task Migrate_twice_is_harmless_and_keeps_the_jobs()
    {
        var job = await CreateAsync(ANewJob.Noop());

        await Store.MigrateAsync(Ct);
        await Db.OpenAnotherStore().MigrateAsync(Ct);

        var migrations = await Db.MigrationRowsAsync(Ct);
        Assert.NotEmpty(migrations);
        Assert.Equal(Db.MigrationVersions, migrations.Select(m => m.Version));
        Assert.All(migrations, m => Assert.Equal(1, m.Rows));
        Assert.Equal("queued", (await Db.JobRowAsync(job.Id, Ct)).Status);
        await Store.PingAsync(Ct);
    }

    [Fact]
    public async Task Create_stores_every_field_and_appends_one_created_event()
    {
        var session = Guid.NewGuid();
        var request = ANewJob.OfType("csv")
            .WithSourceType("csv_upload")
            .WithFile("people.csv", 1234, "text/csv", "https://example.org/people.csv")
            .WithPriority(7)
            .WithMetadata("""{"delimiter":";","header":true}""")
            .InSession(session)
            .WithDataset("people")
            .WithMaxAttempts(5)
            .WithIdempotencyKey("key-1", "hash-1")
            .CreatedBy("key:ops")
            .Synthetic()
            .Build();

        var outcome = await Store.CreateAsync(request, Audit(), Ct);

        Assert.True(outcome.Created);
        Assert.False(outcome.IdempotencyConflict);
        var stored = await Store.GetAsync(request.Id, Ct);
        Assert.NotNull(stored);
        foreach (var job in new[] { outcome.Job, stored })
        {
            Assert.Equal(request.Id, job.Id);
            Assert.Equal(("csv", "csv_upload", "https://example.org/people.csv"), (job.Type, job.SourceType, job.SourceUri));
            Assert.Equal(("people.csv", (long?)1234, "text/csv", "append"), (job.FileName, job.FileSize, job.MimeType, job.Mode));
            Assert.Equal((7, (Guid?)session, "people"), (job.Priority, job.SessionId, job.Dataset));
            Assert.Equal(";", job.Metadata.GetProperty("delimiter").GetString());
            Assert.True(job.Metadata.GetProperty("header").GetBoolean());
            Assert.Equal((JobStatus.Queued, 0, 5), (job.Status, job.Attempt, job.MaxAttempts));
            Assert.Equal((Now, Now, Now), (job.CreatedAt, job.UpdatedAt, job.ScheduledAt));
            Assert.Null(job.StartedAt);
            Assert.Null(job.CompletedAt);
            Assert.Equal((0L, 0L, (long?)null), (job.RecordsProcessed, job.RecordsFailed, job.RecordsTotal));
            Assert.Null(job.Error);
            Assert.Null(job.LeaseOwner);
            Assert.Null(job.RetryOf);
            Assert.Equal(("key-1", "key:ops", true), (job.IdempotencyKey, job.CreatedBy, job.Synthetic));
        }
        var row = await Db.JobRowAsync(request.Id, Ct);
        Assert.Equal(("queued", 0, 5, Now, Now), (row.Status, row.Attempt, row.MaxAttempts, row.CreatedAt, row.UpdatedAt));
        var events = await Db.EventRowsAsync(request.Id, Ct);
        var created = Assert.Single(events);
        Assert.Equal(("created", (string?)null, (string?)"queued", Now, "key:ops"), (created.Type, created.FromStatus, created.ToStatus, created.At, created.Actor));
    }

    [Fact]
    public async Task Create_without_metadata_stores_an_empty_object()
    {
        var job = await CreateAsync(ANewJob.Noop());

        var stored = await Store.GetAsync(job.Id, Ct);

        Assert.Equal(JsonValueKind.Object, stored!.Metadata.ValueKind);
        Assert.Empty(stored.Metadata.EnumerateObject());
    }

    [Fact]
    public async Task Create_keeps_a_future_schedule_and_runs_a_past_one_now()
    {
        var future = await CreateAsync(ANewJob.Noop().ScheduledAt(Now.AddMinutes(10)));
        var past = await CreateAsync(ANewJob.Noop().ScheduledAt(Now.AddMinutes(-10)));

        Assert.Equal(Now.AddMinutes(10), (await Db.JobRowAsync(future.Id, Ct)).ScheduledAt);
        Assert.Equal(Now, (await Db.JobRowAsync(past.Id, Ct)).ScheduledAt);
        Assert.Equal(Now.AddMinutes(10), future.ScheduledAt);
        Assert.Equal(Now, past.ScheduledAt);
    }

    [Fact]
    public async Task Create_keeps_the_instant_of_a_schedule_given_in_another_time_zone()
    {
        var at = new DateTimeOffset(2026, 1, 5, 12, 30, 0, TimeSpan.FromHours(5.5)); // 07:00 UTC, two hours before the clock
        var later = at.AddHours(3);                                                  // 10:00 UTC, one hour after

        var past = await CreateAsync(ANewJob.Noop().ScheduledAt(at));
        var future = await CreateAsync(ANewJob.Noop().ScheduledAt(later));

        Assert.Equal(Now, (await Db.JobRowAsync(past.Id, Ct)).ScheduledAt);
        Assert.Equal(later, (await Db.JobRowAsync(future.Id, Ct)).ScheduledAt);
        Assert.Equal(later.UtcTicks, (await Store.GetAsync(future.Id, Ct))!.ScheduledAt.UtcTicks);
    }

    [Fact]
    public async Task Create_with_the_same_idempotency_key_and_request_returns_the_first_job()
    {
        var first = await CreateAsync(ANewJob.Noop().WithIdempotencyKey("upload-42", "sha-a"));
        Clock.Advance(TimeSpan.FromSeconds(5));

        var again = await Store.CreateAsync(ANewJob.Noop().WithIdempotencyKey("upload-42", "sha-a"), Audit(), Ct);

        Assert.False(again.Created);
        Assert.False(again.IdempotencyConflict);
        Assert.Equal(first.Id, again.Job.Id);
        Assert.Equal(first.CreatedAt, again.Job.CreatedAt);
        Assert.Equal(1, await Db.CountJobsAsync(Ct));
        Assert.Single(await Db.EventRowsAsync(first.Id, Ct));
    }

    [Fact]
    public async Task Create_with_the_same_idempotency_key_and_another_request_is_a_conflict()
    {
        var first = await CreateAsync(ANewJob.Noop().WithIdempotencyKey("upload-42", "sha-a"));

        var other = await Store.CreateAsync(ANewJob.OfType("csv").WithIdempotencyKey("upload-42", "sha-b"), Audit(), Ct);

        Assert.False(other.Created);
        Assert.True(other.IdempotencyConflict);
        Assert.Equal(first.Id, other.Job.Id);
        Assert.Equal("noop", other.Job.Type);
        Assert.Equal(1, await Db.CountJobsAsync(Ct));
    }

    [Fact]
    public async Task Create_with_different_idempotency_keys_makes_different_jobs()
    {
        var a = await CreateAsync(ANewJob.Noop().WithIdempotencyKey("a", "sha"));
        var b = await CreateAsync(ANewJob.Noop().WithIdempotencyKey("b", "sha"));

        Assert.NotEqual(a.Id, b.Id);
        Assert.Equal(2, await Db.CountJobsAsync(Ct));
    }

    [Fact]
    public async Task Concurrent_creates_with_one_idempotency_key_make_one_job()
    {
        var stores = new[] { Store, Db.OpenAnotherStore() };

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 12).Select(i =>
            Task.Run(() => stores[i % 2].CreateAsync(ANewJob.Noop().WithIdempotencyKey("once", "sha"), Audit(), Ct))));

        Assert.Single(outcomes, o => o.Created);
        Assert.Single(outcomes.Select(o => o.Job.Id).Distinct());
        Assert.All(outcomes, o => Assert.False(o.IdempotencyConflict));
        Assert.Equal(1, await Db.CountJobsAsync(Ct));
        Assert.Equal(1, await Db.CountEventsAsync(Ct));
    }

    [Fact]
    public async Task Create_batch_creates_every_job_with_one_created_event_each()
    {
        var batch = new[]
        {
            ANewJob.OfType("csv").WithDataset("a").Build(),
            ANewJob.OfType("json").WithPriority(3).Build(),
            ANewJob.Noop().ScheduledAt(Now.AddHours(1)).Build(),
        };

        var created = await Store.CreateBatchAsync(batch, Audit(), Ct);

        Assert.Equal(batch.Select(j => j.Id), created.Select(j => j.Id));
        Assert.Equal(["csv", "json", "noop"], created.Select(j => j.Type));
        Assert.All(created, j => Assert.Equal((JobStatus.Queued, Now), (j.Status, j.CreatedAt)));
        Assert.Equal(3, await Db.CountJobsAsync(Ct));
        foreach (var job in batch)
        {
            var row = await Db.JobRowAsync(job.Id, Ct);
            Assert.Equal("queued", row.Status);
            Assert.Equal(["created"], (await Db.EventRowsAsync(job.Id, Ct)).Select(e => e.Type));
        }
        Assert.Equal(Now.AddHours(1), (await Db.JobRowAsync(batch[2].Id, Ct)).ScheduledAt);
        Assert.Equal(3, (await Store.GetAsync(batch[1].Id, Ct))!.Priority);
    }

    [Fact]
    public async Task Create_batch_is_all_or_nothing()
    {
        var duplicate = Guid.CreateVersion7();
        var batch = new[] { ANewJob.Noop().WithId(duplicate).Build(), ANewJob.Noop().Build(), ANewJob.Noop().WithId(duplicate).Build() };

        await Assert.ThrowsAnyAsync<Exception>(() => Store.CreateBatchAsync(batch, Audit(), Ct));

        Assert.Equal(0, await Db.CountJobsAsync(Ct));
        Assert.Equal(0, await Db.CountEventsAsync(Ct));
    }

    [Fact]
    public async Task Create_batch_of_nothing_creates_nothing()
    {
        Assert.Empty(await Store.CreateBatchAsync([], Audit(), Ct));
        Assert.Equal(0, await Db.CountJobsAsync(Ct));
    }

    [Fact]
    public async Task An_unknown_job_is_not_found_by_any_read_or_operation()
    {
        await CreateAsync(ANewJob.Noop());
        var unknown = Guid.NewGuid();

        Assert.Null(await Store.GetAsync(unknown, Ct));
        Assert.Null(await Store.GetEventsAsync(unknown, Ct));
        Assert.Null(await Store.FindRetryAsync(unknown, Ct));
        Assert.Equal(OperationOutcome.NotFound, await Store.ApplyAsync(unknown, JobOperation.Cancel, Audit(Operator), Ct));
        Assert.Equal(RetryAsNewOutcome.NotFound, await Store.RetryAsNewAsync(unknown, RetryOf, Audit(Operator), Ct));
        Assert.Equal(1, await Db.CountJobsAsync(Ct));
        Assert.Equal(1, await Db.CountEventsAsync(Ct));
    }

    [Fact]
    public async Task Events_are_listed_oldest_first_with_the_statuses_they_connect()
    {
        var job = await CreateAsync(ANewJob.Noop().WithMaxAttempts(2));
        Clock.Advance(TimeSpan.FromSeconds(1));
        await ClaimOnlyAsync(job.Id);
        Clock.Advance(TimeSpan.FromSeconds(1));
        await CompleteAsync(job.Id, JobOperation.Fail, new TransitionInput { Error = "Boom.", RetryAt = Now });
        Clock.Advance(TimeSpan.FromSeconds(1));
        await ClaimOnlyAsync(job.Id);
        Clock.Advance(TimeSpan.FromSeconds(1));
        await CompleteAsync(job.Id, JobOperation.Succeed);

        var events = await Store.GetEventsAsync(job.Id, Ct);

        Assert.NotNull(events);
        Assert.Equal(["created", "started", "retry_scheduled", "started", "succeeded"], events.Select(e => e.Type));
        Assert.Equal([null, "queued", "running", "queued", "running"], events.Select(e => e.FromStatus));
        Assert.Equal(["queued", "running", "queued", "running", "succeeded"], events.Select(e => e.ToStatus));
        Assert.All(events, e => Assert.Equal(job.Id, e.JobId));
        Assert.Equal(Enumerable.Range(0, 5).Select(i => StoreHarness.Epoch.AddSeconds(i)), events.Select(e => e.At));
        Assert.Equal(events.Select(e => e.Id).Order(), events.Select(e => e.Id));
        Assert.Equal("Boom.", events[2].Data.GetProperty("error").GetString());
        var rows = await Db.EventRowsAsync(job.Id, Ct);
        Assert.Equal(rows.Select(r => (r.Id, r.Type)), events.Select(e => (e.Id, e.Type)));
    }
}
