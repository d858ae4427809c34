using System.Text.Json;
using Conveyor.Core;
using Conveyor.Storage;

namespace Conveyor.Application.Tests;

/// <summary>The rules of <see cref="JobService"/>, on a real SQLite store: defaults, validation, idempotency, retry-as-new.</summary>
public sealed class JobServiceTests : IAsyncLifetime
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private ServicesOnSqlite _services = null!;

    private JobService Jobs => _services.Jobs;

    public async Task InitializeAsync() => _services = await ServicesOnSqlite.StartAsync();

    public async Task DisposeAsync() => await _services.DisposeAsync();

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    [Fact]
    public async Task A_create_with_only_a_type_gets_the_defaults()
    {
        var outcome = await Jobs.CreateAsync(new JobCreateRequest { Type = "noop" }, null, ServicesOnSqlite.As("job.create"), Ct);

        Assert.Equal(OutcomeKind.Created, outcome.Kind);
        var stored = await _services.Store.GetAsync(outcome.Value!.Id, Ct);
        Assert.NotNull(stored);
        Assert.Equal("noop", stored.Type);
        Assert.Equal(JobStatus.Queued, stored.Status);
        Assert.Equal(0, stored.Priority);
        Assert.Equal(JobDefaults.MaxAttempts, stored.MaxAttempts);
        Assert.Equal(0, stored.Attempt);
        Assert.Equal("{}", stored.Metadata.GetRawText());
        Assert.Null(stored.Dataset);
        Assert.Null(stored.SourceType);
        Assert.Null(stored.RetryOf);
        Assert.Equal(ServicesOnSqlite.Actor, stored.CreatedBy);
        Assert.Equal(_services.Clock.GetUtcNow(), stored.ScheduledAt);
    }

    [Fact]
    public async Task A_create_keeps_what_the_request_chose()
    {
        var at = new DateTimeOffset(2026, 2, 1, 8, 30, 0, TimeSpan.Zero);
        var outcome = await Jobs.CreateAsync(new JobCreateRequest
        {
            Type = "noop", SourceType = "json_api", Mode = "full", Priority = -5, Metadata = Json("""{"a":1}"""), Dataset = "sales.2026",
            MaxAttempts = 7, ScheduledAt = at, FileName = "x.csv", FileSize = 12, MimeType = "text/csv",
        }, null, ServicesOnSqlite.As("job.create"), Ct);

        var stored = await _services.Store.GetAsync(outcome.Value!.Id, Ct);
        Assert.Equal(("json_api", "full", -5, """{"a":1}""", "sales.2026", 7, at),
            (stored!.SourceType, stored.Mode, stored.Priority, stored.Metadata.GetRawText(), stored.Dataset, stored.MaxAttempts, stored.ScheduledAt));
        Assert.Equal(("x.csv", 12L, "text/csv"), (stored.FileName, stored.FileSize, stored.MimeType));
    }

    [Fact]
    public async Task An_invalid_create_names_each_bad_field_stores_no_job_and_audits_one_rejection()
    {
        var outcome = await Jobs.CreateAsync(new JobCreateRequest
        {
            Type = "no-such-handler", Priority = 5000, Dataset = "bad name", MaxAttempts = 0, Metadata = Json("[1]"),
        }, "key with spaces", ServicesOnSqlite.As("job.create"), Ct);

        Assert.Equal(OutcomeKind.Invalid, outcome.Kind);
        Assert.Equal(["Idempotency-Key", "dataset", "max_attempts", "metadata", "priority", "type"], outcome.Errors!.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("No handler is registered for type 'no-such-handler'.", Assert.Single(outcome.Errors["type"]));
        Assert.Equal("The priority must be between -1000 and 1000.", Assert.Single(outcome.Errors["priority"]));
        Assert.Empty(await _services.AllJobsAsync());
        var audit = Assert.Single(await _services.AuditEventsAsync());
        Assert.Equal(("job.create", AuditOutcomes.Rejected, ServicesOnSqlite.Actor, "req-job.create"),
            (audit.Action, audit.Outcome, audit.Actor, audit.RequestId));
    }

    [Fact]
    public async Task A_loading_job_needs_an_allowed_http_source()
    {
        var none = await Jobs.CreateAsync(new JobCreateRequest { Type = "csv" }, null, ServicesOnSqlite.As("job.create"), Ct);
        Assert.Equal("A csv job created here loads from an http(s) source_uri; upload files with POST /api/v1/upload.",
            Assert.Single(none.Errors!["source_uri"]));

        var elsewhere = await Jobs.CreateAsync(new JobCreateRequest { Type = "csv", SourceUri = "https://evil.example.net/a.csv" }, null,
            ServicesOnSqlite.As("job.create"), Ct);
        Assert.Equal("The host 'evil.example.net' is not in Conveyor:Sources:AllowedHosts.", Assert.Single(elsewhere.Errors!["source_uri"]));

        var file = await Jobs.CreateAsync(new JobCreateRequest { Type = "noop", SourceUri = "file:///etc/passwd" }, null,
            ServicesOnSqlite.As("job.create"), Ct);
        Assert.Equal(OutcomeKind.Created, file.Kind); // not fetched by a noop job, so only its shape is checked

        var allowed = await Jobs.CreateAsync(new JobCreateRequest { Type = "csv", SourceUri = $"https://{ServicesOnSqlite.AllowedHost}/a.csv" }, null,
            ServicesOnSqlite.As("job.create"), Ct);
        Assert.Equal(OutcomeKind.Created, allowed.Kind);
        Assert.Equal($"https://{ServicesOnSqlite.AllowedHost}/a.csv", allowed.Value!.SourceUri);
        Assert.Equal(2, (await _services.AllJobsAsync()).Count);
    }

    [Fact]
    public async Task The_same_key_and_body_return_the_same_job_and_another_body_is_a_conflict()
    {
        var request = new JobCreateRequest { Type = "noop", Priority = 3, Metadata = Json("""{ "b": 2, "a": [1, 2] }""") };
        var first = await Jobs.CreateAsync(request, "order-42", ServicesOnSqlite.As("job.create"), Ct);
        // The same request parsed again (another JsonElement, the same text).
        var again = await Jobs.CreateAsync(request with { Metadata = Json("""{ "b": 2, "a": [1, 2] }""") }, "order-42",
            ServicesOnSqlite.As("job.create"), Ct);
        var other = await Jobs.CreateAsync(request with { Priority = 4 }, "order-42", ServicesOnSqlite.As("job.create"), Ct);
        var otherKey = await Jobs.CreateAsync(request, "order-43", ServicesOnSqlite.As("job.create"), Ct);

        Assert.Equal(OutcomeKind.Created, first.Kind);
        Assert.Equal(OutcomeKind.Unchanged, again.Kind);
        Assert.Equal(first.Value!.Id, again.Value!.Id);
        Assert.Equal(OutcomeKind.Conflict, other.Kind);
        Assert.Equal("This Idempotency-Key was used with a different request body.", other.Detail);
        Assert.Equal(OutcomeKind.Created, otherKey.Kind);
        Assert.NotEqual(first.Value.Id, otherKey.Value!.Id);
        Assert.Equal(2, (await _services.AllJobsAsync()).Count);
    }

    [Fact]
    public void The_idempotency_hash_is_of_the_request_as_parsed()
    {
        var a = new JobCreateRequest { Type = "noop", Metadata = Json("""{"x":"é"}""") };
        var b = new JobCreateRequest { Type = "noop", Metadata = Json("""{"x":"\u00e9"}""") };
        var c = a with { ScheduledAt = new DateTimeOffset(2026, 3, 1, 13, 0, 0, TimeSpan.FromHours(1)) };
        var d = a with { ScheduledAt = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero) };

        Assert.Equal(64, IdempotencyHash.Of(a).Length);
        Assert.Equal(IdempotencyHash.Of(a), IdempotencyHash.Of(b)); // how the client escaped a character does not matter
        Assert.Equal(IdempotencyHash.Of(c), IdempotencyHash.Of(d)); // the same instant in another offset
        Assert.NotEqual(IdempotencyHash.Of(a), IdempotencyHash.Of(a with { Priority = 0 })); // an explicit default is another body
    }

    [Fact]
    public async Task A_batch_names_errors_by_position_and_creates_nothing_when_one_is_bad()
    {
        var outcome = await Jobs.CreateBatchAsync(
            [new JobCreateRequest { Type = "noop" }, new JobCreateRequest { Type = "noop", Priority = 9999 }, null, new JobCreateRequest()],
            ServicesOnSqlite.As("job.create_batch"), Ct);

        Assert.Equal(OutcomeKind.Invalid, outcome.Kind);
        Assert.Equal(["jobs[1].priority", "jobs[2]", "jobs[3].type"], outcome.Errors!.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("Must be a job object.", Assert.Single(outcome.Errors["jobs[2]"]));
        Assert.Empty(await _services.AllJobsAsync());

        Assert.Equal("Give at least one job.", Assert.Single((await Jobs.CreateBatchAsync([], ServicesOnSqlite.As("job.create_batch"), Ct)).Errors!["jobs"]));
        var tooMany = Enumerable.Repeat<JobCreateRequest?>(new JobCreateRequest { Type = "noop" }, JobDefaults.MaxBatchSize + 1).ToList();
        Assert.Equal("At most 1000 jobs per batch.", Assert.Single((await Jobs.CreateBatchAsync(tooMany, ServicesOnSqlite.As("job.create_batch"), Ct)).Errors!["jobs"]));
    }

    [Fact]
    public async Task A_valid_batch_creates_every_job_with_the_defaults_and_one_audit_event_counting_them()
    {
        var outcome = await Jobs.CreateBatchAsync(
            [new JobCreateRequest { Type = "noop" }, new JobCreateRequest { Type = "fail", Priority = 2 }, new JobCreateRequest { Type = "noop", MaxAttempts = 1 }],
            ServicesOnSqlite.As("job.create_batch"), Ct);

        Assert.Equal(OutcomeKind.Created, outcome.Kind);
        Assert.Equal([("noop", 0, 3), ("fail", 2, 3), ("noop", 0, 1)], outcome.Value!.Select(j => (j.Type, j.Priority, j.MaxAttempts)));
        Assert.Equal(3, (await _services.AllJobsAsync()).Count);
        var audit = Assert.Single(await _services.AuditEventsAsync());
        Assert.Equal(("job.create_batch", AuditOutcomes.Applied, """{"count":3}"""), (audit.Action, audit.Outcome, audit.Details));
    }

    [Fact]
    public async Task Retry_as_new_copies_the_original_with_its_override_and_a_repeat_returns_the_same_job()
    {
        var original = await _services.AFailedJobAsync(new NewJob
        {
            Type = "noop", SourceType = "json_api", Mode = "full", Priority = 1, Metadata = Json("""{"from":"original"}"""), Dataset = "sales",
            FileName = "in.csv", ScheduledAt = _services.Clock.GetUtcNow(), Synthetic = true,
        });
        var at = new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);
        var change = new ConfigOverride { Priority = 7, Metadata = Json("""{"from":"override"}"""), MaxAttempts = 5, ScheduledAt = at };

        var retried = await Jobs.RetryAsNewAsync(original.Id, change, ServicesOnSqlite.As("job.retry_as_new"), Ct);
        var repeated = await Jobs.RetryAsNewAsync(original.Id, null, ServicesOnSqlite.As("job.retry_as_new"), Ct);

        Assert.Equal(OutcomeKind.Created, retried.Kind);
        var job = retried.Value!;
        Assert.Equal(original.Id, job.RetryOf);
        Assert.Equal(JobStatus.Queued, job.Status);
        Assert.Equal(("noop", "json_api", "full", "sales", "in.csv", true), (job.Type, job.SourceType, job.Mode, job.Dataset, job.FileName, job.Synthetic));
        Assert.Equal((7, """{"from":"override"}""", 5, at), (job.Priority, job.Metadata.GetRawText(), job.MaxAttempts, job.ScheduledAt));
        Assert.Equal(ServicesOnSqlite.Actor, job.CreatedBy);
        Assert.Equal(OutcomeKind.Unchanged, repeated.Kind);
        Assert.Equal(job.Id, repeated.Value!.Id);
        Assert.Equal(JobStatus.Failed, (await _services.Store.GetAsync(original.Id, Ct))!.Status);
        Assert.Equal(2, (await _services.AllJobsAsync()).Count);
    }

    [Fact]
    public async Task Retry_as_new_without_an_override_keeps_the_configuration_and_runs_now()
    {
        var original = await _services.AFailedJobAsync(new NewJob
        {
            Type = "noop", Priority = 4, Metadata = Json("""{"k":"v"}"""), Dataset = "d1",
            ScheduledAt = _services.Clock.GetUtcNow() - TimeSpan.FromHours(1),
        });
        _services.Clock.Advance(TimeSpan.FromMinutes(5));

        var retried = await Jobs.RetryAsNewAsync(original.Id, new ConfigOverride(), ServicesOnSqlite.As("job.retry_as_new"), Ct);

        var job = retried.Value!;
        Assert.Equal((4, """{"k":"v"}""", "d1", 1), (job.Priority, job.Metadata.GetRawText(), job.Dataset, job.MaxAttempts));
        Assert.Equal(_services.Clock.GetUtcNow(), job.ScheduledAt);
    }

    [Fact]
    public async Task An_invalid_override_is_refused_by_field_before_the_job_is_looked_up()
    {
        var original = await _services.AFailedJobAsync(new NewJob { Type = "noop" });
        var change = new ConfigOverride { Priority = 99999, Dataset = "no spaces please", MaxAttempts = 101, Metadata = Json("\"text\"") };

        var outcome = await Jobs.RetryAsNewAsync(original.Id, change, ServicesOnSqlite.As("job.retry_as_new"), Ct);
        var unknown = await Jobs.RetryAsNewAsync(Guid.Empty, change, ServicesOnSqlite.As("job.retry_as_new"), Ct);

        Assert.Equal(OutcomeKind.Invalid, outcome.Kind);
        Assert.Equal(["config_override.dataset", "config_override.max_attempts", "config_override.metadata", "config_override.priority"],
            outcome.Errors!.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(OutcomeKind.Invalid, unknown.Kind);
        Assert.Single(await _services.AllJobsAsync());
        var rejected = (await _services.AuditEventsAsync()).Where(e => e.Action == "job.retry_as_new").ToList();
        Assert.Equal([(original.Id.ToString(), AuditOutcomes.Rejected), (Guid.Empty.ToString(), AuditOutcomes.Rejected)],
            rejected.Select(e => (e.Target, e.Outcome)).Reverse());
    }

    [Fact]
    public async Task Retry_as_new_of_a_job_that_did_not_fail_is_a_conflict_and_of_no_job_not_found()
    {
        var queued = (await Jobs.CreateAsync(new JobCreateRequest { Type = "noop" }, null, ServicesOnSqlite.As("job.create"), Ct)).Value!;

        var conflict = await Jobs.RetryAsNewAsync(queued.Id, null, ServicesOnSqlite.As("job.retry_as_new"), Ct);
        var missing = await Jobs.RetryAsNewAsync(Guid.CreateVersion7(), null, ServicesOnSqlite.As("job.retry_as_new"), Ct);

        Assert.Equal(OutcomeKind.Conflict, conflict.Kind);
        Assert.Equal(StatusMachine.RetryRefused, conflict.Detail);
        Assert.Equal(OutcomeKind.NotFound, missing.Kind);
        Assert.StartsWith("Job ", missing.Detail);
        Assert.Single(await _services.AllJobsAsync());
    }

    [Fact]
    public async Task Cancel_and_requeue_answer_done_unchanged_conflict_or_not_found()
    {
        var queued = (await Jobs.CreateAsync(new JobCreateRequest { Type = "noop" }, null, ServicesOnSqlite.As("job.create"), Ct)).Value!;

        var cancelled = await Jobs.CancelAsync(queued.Id, ServicesOnSqlite.As("job.cancel"), Ct);
        var again = await Jobs.CancelAsync(queued.Id, ServicesOnSqlite.As("job.cancel"), Ct);
        var requeue = await Jobs.RequeueAsync(queued.Id, ServicesOnSqlite.As("job.requeue"), Ct);
        var missing = await Jobs.CancelAsync(Guid.CreateVersion7(), ServicesOnSqlite.As("job.cancel"), Ct);

        Assert.Equal((OutcomeKind.Done, JobStatus.Cancelled), (cancelled.Kind, cancelled.Value!.Status));
        Assert.Equal((OutcomeKind.Unchanged, JobStatus.Cancelled), (again.Kind, again.Value!.Status));
        Assert.Equal(OutcomeKind.Conflict, requeue.Kind);
        Assert.Equal(OutcomeKind.NotFound, missing.Kind);

        var failed = await _services.AFailedJobAsync(new NewJob { Type = "noop" });
        var requeued = await Jobs.RequeueAsync(failed.Id, ServicesOnSqlite.As("job.requeue"), Ct);
        Assert.Equal((OutcomeKind.Done, JobStatus.Queued), (requeued.Kind, requeued.Value!.Status));
        var again2 = await Jobs.RequeueAsync(failed.Id, ServicesOnSqlite.As("job.requeue"), Ct);
        Assert.Equal((OutcomeKind.Unchanged, JobStatus.Queued), (again2.Kind, again2.Value!.Status));
    }
}
