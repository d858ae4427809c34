using System.Net;
using System.Text;
using System.Text.Json;
using Conveyor.Client;
using Conveyor.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using ClientJobStatus = Conveyor.Client.JobStatus;

namespace Conveyor.Tests.Client;

/// <summary>Conveyor.Client against the real server on a loopback port, with one worker: every /api/v1 route, as a .NET caller uses it.</summary>
public sealed class ConveyorClientTests : IAsyncLifetime
{
    private TestServer _server = null!;
    private ConveyorClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(Provider.Sqlite, new Dictionary<string, string>
        {
            ["Conveyor:Workers:Count"] = "1",
            // A yearly schedule, so the list has one to show and no test sees a job it made.
            ["Conveyor:Schedules:yearly:Cron"] = "0 0 1 1 *",
            ["Conveyor:Schedules:yearly:Job:Type"] = "noop",
            ["Conveyor:Schedules:yearly:Job:Dataset"] = "calendar",
        });
        _client = ConveyorClient.Create(_server.Address, _server.AdminKey);
    }

    public async Task DisposeAsync()
    {
        _client.Http.Dispose();
        await _server.DisposeAsync();
    }

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    [Fact]
    public async Task A_job_is_created_watched_to_its_end_and_its_events_read()
    {
        var created = await _client.CreateJobAsync(new NewJob { Type = "sleep", Metadata = Json("""{"seconds": 0.2}"""), Priority = 4 });
        Assert.Equal(ClientJobStatus.Queued, created.Status);
        Assert.Equal(4, created.Priority);
        Assert.Equal(0.2, created.Metadata.GetProperty("seconds").GetDouble());

        var seen = new List<ClientJobStatus>();
        await foreach (var job in _client.WatchJobAsync(created.Id, TimeSpan.FromMilliseconds(20))) seen.Add(job.Status);
        Assert.Equal(ClientJobStatus.Succeeded, seen[^1]);
        Assert.Single(seen, s => s.IsFinished());

        var events = await _client.GetJobEventsAsync(created.Id);
        Assert.Equal(["created", "started", "succeeded"], events.Select(e => e.Type));
        Assert.Equal("running", events[1].ToStatus);
        Assert.Equal(created.Id, (await _client.GetJobAsync(created.Id)).Id);
    }

    [Fact]
    public async Task An_idempotency_key_returns_the_same_job_and_a_batch_creates_all()
    {
        var first = await _client.CreateJobAsync(new NewJob { Type = "noop", Priority = -1 }, idempotencyKey: "k-1");
        var again = await _client.CreateJobAsync(new NewJob { Type = "noop", Priority = -1 }, idempotencyKey: "k-1");
        Assert.Equal(first.Id, again.Id);
        var conflict = await Assert.ThrowsAsync<ConveyorApiException>(() => _client.CreateJobAsync(new NewJob { Type = "noop", Priority = 2 }, "k-1"));
        Assert.Equal(HttpStatusCode.Conflict, conflict.Status);

        var batch = await _client.CreateJobsAsync([new NewJob { Type = "noop" }, new NewJob { Type = "noop", Dataset = "d1" }]);
        Assert.Equal(2, batch.Count);
        Assert.Equal("d1", batch[1].Dataset);
    }

    [Fact]
    public async Task A_validation_problem_carries_status_title_detail_and_errors_by_field()
    {
        var problem = await Assert.ThrowsAsync<ConveyorApiException>(() => _client.CreateJobAsync(new NewJob { Type = "noop", Priority = 5000 }));
        Assert.Equal(HttpStatusCode.BadRequest, problem.Status);
        Assert.Equal("Validation failed", problem.Title);
        Assert.Equal("One or more fields are invalid; see errors.", problem.Detail);
        Assert.Equal(["The priority must be between -1000 and 1000."], problem.Errors["priority"]);
        Assert.False(string.IsNullOrEmpty(problem.TraceId));
        Assert.StartsWith("400 Validation failed: One or more fields are invalid; see errors. (priority: The priority must be between -1000 and 1000.)", problem.Message);

        var missing = await Assert.ThrowsAsync<ConveyorApiException>(() => _client.GetJobAsync(Guid.Parse("0198f0c2-6a4e-7a51-9d0e-3f2b8c1d4e5f")));
        Assert.Equal(HttpStatusCode.NotFound, missing.Status);
        Assert.Equal("Job 0198f0c2-6a4e-7a51-9d0e-3f2b8c1d4e5f was not found.", missing.Detail);
    }

    [Fact]
    public async Task A_wrong_key_is_a_401_problem()
    {
        using var wrong = ConveyorClient.Create(_server.Address, "cvk_AAAAAAAA_" + new string('b', 32)).Http;
        var problem = await Assert.ThrowsAsync<ConveyorApiException>(() => new ConveyorClient(wrong).ListJobsAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, problem.Status);
        Assert.Equal("Unauthorized", problem.Title);
    }

    [Fact]
    public async Task Cancel_retry_requeue_and_delete_move_jobs_as_the_api_says()
    {
        var failing = await _client.CreateJobAsync(new NewJob { Type = "fail", Metadata = Json("""{"message": "boom"}"""), MaxAttempts = 1 });
        var failed = await _client.WaitForJobAsync(failing.Id, TimeSpan.FromMilliseconds(20));
        Assert.Equal(ClientJobStatus.Failed, failed.Status);
        Assert.Contains("boom", failed.Error);

        var retried = await _client.RetryJobAsync(failed.Id, new ConfigOverride { Priority = 9, Metadata = Json("""{"message": "again"}""") });
        Assert.Equal(failed.Id, retried.RetryOf);
        Assert.Equal(9, retried.Priority);
        Assert.Equal("again", retried.Metadata.GetProperty("message").GetString());
        Assert.Equal(retried.Id, (await _client.GetJobAsync(failed.Id)).RetriedBy);

        var requeued = await _client.RequeueJobAsync(failed.Id);
        Assert.Contains(requeued.Status, new[] { ClientJobStatus.Queued, ClientJobStatus.Running, ClientJobStatus.Failed });

        var sleeper = await _client.CreateJobAsync(new NewJob { Type = "sleep", Metadata = Json("""{"seconds": 30}""") });
        await _client.CancelJobAsync(sleeper.Id);
        Assert.Equal(ClientJobStatus.Cancelled, (await _client.WaitForJobAsync(sleeper.Id, TimeSpan.FromMilliseconds(20))).Status);
        var succeeded = await _client.WaitForJobAsync((await _client.CreateJobAsync(new NewJob { Type = "noop" })).Id, TimeSpan.FromMilliseconds(20));
        var finished = await Assert.ThrowsAsync<ConveyorApiException>(() => _client.DeleteJobAsync(succeeded.Id));
        Assert.Equal(HttpStatusCode.Conflict, finished.Status);

        var later = await _client.CreateJobAsync(new NewJob { Type = "noop", ScheduledAt = DateTimeOffset.UtcNow.AddHours(1) });
        await _client.DeleteJobAsync(later.Id);
        Assert.Equal(ClientJobStatus.Cancelled, (await _client.GetJobAsync(later.Id)).Status);
    }

    [Fact]
    public async Task List_filters_by_status_and_follows_cursors_through_every_page()
    {
        var created = await _client.CreateJobsAsync(Enumerable.Range(0, 7).Select(i => new NewJob { Type = "noop", Dataset = "paging", ScheduledAt = DateTimeOffset.UtcNow.AddDays(1) }));
        var page = await _client.ListJobsAsync(new JobQuery { Dataset = "paging", Limit = 3, Status = [ClientJobStatus.Queued] });
        Assert.Equal(7, page.Total);
        Assert.Equal(3, page.Items.Count);
        Assert.NotNull(page.NextCursor);

        var all = new List<Guid>();
        await foreach (var job in _client.ListAllJobsAsync(new JobQuery { Dataset = "paging", Limit = 3 })) all.Add(job.Id);
        Assert.True(created.Select(j => j.Id).ToHashSet().SetEquals(all), "every job once, across three pages");
        Assert.Equal(7, all.Count);
    }

    [Fact]
    public async Task An_upload_reports_progress_to_the_last_byte_loads_rows_and_exports_them_as_csv()
    {
        var csv = new StringBuilder("id,name\n");
        for (var i = 1; i <= 20_000; i++) csv.Append(i).Append(",name-").Append(i).Append('\n');
        var bytes = Encoding.UTF8.GetBytes(csv.ToString());
        var reports = new List<TransferProgress>();
        var progress = new SynchronousProgress<TransferProgress>(reports.Add);

        var jobs = await _client.UploadAsync([new UploadFile("people.csv", new MemoryStream(bytes))], new UploadSettings { Dataset = "people" }, progress);
        var job = Assert.Single(jobs);
        Assert.Equal("people.csv", job.FileName);
        Assert.Equal(bytes.Length, reports[^1].BytesSent);
        Assert.Equal(bytes.Length, reports[^1].TotalBytes);
        Assert.True(reports.Count > 2, $"{reports.Count} progress reports");
        Assert.True(reports.Zip(reports.Skip(1)).All(p => p.First.BytesSent <= p.Second.BytesSent), "progress only grows");

        var done = await _client.WaitForJobAsync(job.Id, TimeSpan.FromMilliseconds(50));
        Assert.Equal(ClientJobStatus.Succeeded, done.Status);
        Assert.Equal(20_000, done.RecordsProcessed);
        Assert.Equal("csv", (await _client.GetDetectionAsync(job.Id)).GetProperty("type").GetString());
        var rows = await _client.GetJobRecordsAsync(job.Id, limit: 2);
        Assert.Equal("name-1", rows.Items[0].Data.GetProperty("name").GetString());
        Assert.NotNull(rows.NextCursor);
        Assert.Empty((await _client.GetJobFailuresAsync(job.Id)).Items);

        var dataset = Assert.Single(await _client.ListDatasetsAsync(), d => d.Name == "people");
        Assert.Equal(20_000, dataset.Records);
        Assert.Equal(2, (await _client.GetDatasetRecordsAsync("people", limit: 2)).Items.Count);
        using var exported = new MemoryStream();
        await _client.ExportDatasetCsvAsync("people", exported);
        var lines = Encoding.UTF8.GetString(exported.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(20_001, lines.Length);
        Assert.Equal("name-20000", lines[^1].Split(',')[^1].Trim());
    }

    [Fact]
    public async Task Ingest_json_streams_ndjson_into_one_job()
    {
        var body = new MemoryStream(Encoding.UTF8.GetBytes("{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n"));
        var job = await _client.IngestJsonAsync(body, ndjson: true, dataset: "events");
        Assert.Equal("ndjson", job.Type);
        var done = await _client.WaitForJobAsync(job.Id, TimeSpan.FromMilliseconds(20));
        Assert.Equal(3, done.RecordsProcessed);
    }

    [Fact]
    public async Task Keys_are_created_listed_and_revoked_and_the_audit_log_records_it()
    {
        var created = await _client.CreateKeyAsync("ci", "viewer");
        Assert.StartsWith("cvk_", created.Key);
        Assert.Contains(await _client.ListKeysAsync(), k => k.Id == created.Id && k.RevokedAt is null);
        using var viewer = ConveyorClient.Create(_server.Address, created.Key).Http;
        var forbidden = await Assert.ThrowsAsync<ConveyorApiException>(() => new ConveyorClient(viewer).CreateJobAsync(new NewJob { Type = "noop" }));
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.Status);

        await _client.RevokeKeyAsync(created.Id);
        Assert.NotNull(Assert.Single(await _client.ListKeysAsync(), k => k.Id == created.Id).RevokedAt);
        var audit = await _client.ListAuditAsync(new AuditQuery { Target = created.Id.ToString() });
        Assert.Equal(["key.create", "key.revoke"], audit.Items.Select(e => e.Action).Order());
    }

    private const string Vtt = """
        WEBVTT

        00:00.000 --> 00:04.000
        Welcome to week one of biology. Cells are the unit of life.

        00:04.000 --> 00:09.500
        Today we study the membrane and its proteins. The membrane controls what enters the cell.

        """;

    [Fact]
    public async Task A_session_from_captions_with_progress_and_one_from_an_inline_transcript_reach_Ready_and_list_by_course()
    {
        var course = "bio-" + Guid.NewGuid().ToString("N")[..8];
        var bytes = Encoding.UTF8.GetBytes(Vtt);
        var reports = new List<TransferProgress>();
        var created = await _client.IngestSessionAsync(
            new NewSession(course, "Week 1") { File = new UploadFile("week1.vtt", new MemoryStream(bytes)) },
            new SynchronousProgress<TransferProgress>(reports.Add));
        Assert.Equal((course, "Week 1"), (created.CourseId, created.Title));
        Assert.Equal(("transcription", ClientJobStatus.Queued), (created.Jobs[0].Type, created.Jobs[0].Status));
        Assert.Null(created.Transcript);
        Assert.Equal(new TransferProgress(bytes.Length, bytes.Length), reports[^1]);

        var inline = await _client.IngestSessionAsync(new NewSession(course, "Week 2") { Transcript = "Cells divide. Division makes two cells." });

        var ready = await Eventually.WaitAsync(() => _client.GetSessionAsync(created.Id), s => s.StatusBadge.Label == "Ready",
            TimeSpan.FromSeconds(60), "the captions session to be Ready");
        Assert.Equal(("webvtt", 9.5), (ready.Transcript!.Format, ready.Transcript.DurationSeconds));
        Assert.Equal(2, ready.Transcript.Segments.Count);
        Assert.Equal(4.0, ready.Transcript.Segments[1].StartSeconds);
        Assert.Equal("extractive", ready.Summary!.Method);
        Assert.NotEmpty(ready.Summary.KeyPoints);
        Assert.Equal(["transcription", "summarization"], ready.Jobs.Select(j => j.Type));
        Assert.All(ready.Jobs, j => Assert.Equal(ClientJobStatus.Succeeded, j.Status));

        var second = await Eventually.WaitAsync(() => _client.GetSessionAsync(inline.Id), s => s.StatusBadge.Label == "Ready",
            TimeSpan.FromSeconds(60), "the inline session to be Ready");
        Assert.Equal(("text", "Cells divide. Division makes two cells."), (second.Transcript!.Format, second.Transcript.Text));

        var page = await _client.ListSessionsAsync(new SessionQuery { CourseId = course, Limit = 1 });
        Assert.Equal(inline.Id, Assert.Single(page.Items).Id);
        Assert.NotNull(page.NextCursor);
        var all = new List<SessionListItem>();
        await foreach (var session in _client.ListAllSessionsAsync(new SessionQuery { CourseId = course, Limit = 1 })) all.Add(session);
        Assert.Equal([inline.Id, created.Id], all.Select(s => s.Id));
        Assert.Empty((await _client.ListSessionsAsync(new SessionQuery { CourseId = course, Synthetic = true })).Items);
    }

    [Fact]
    public async Task A_session_without_a_source_is_a_400_naming_it_and_an_unknown_session_a_404()
    {
        var refused = await Assert.ThrowsAsync<ConveyorApiException>(() => _client.IngestSessionAsync(new NewSession("bio", "No source")));
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Contains("source", refused.Errors.Keys);
        var missing = await Assert.ThrowsAsync<ConveyorApiException>(() => _client.GetSessionAsync(Guid.NewGuid()));
        Assert.Equal(HttpStatusCode.NotFound, missing.Status);
    }

    [Fact]
    public async Task Types_pause_and_resume_and_the_schedules_list_shows_the_configured_one()
    {
        var types = await _client.ListTypesAsync();
        Assert.Contains(types, t => t.Type == "csv" && !t.Paused);

        var paused = await _client.PauseTypeAsync("fail");
        Assert.True(paused.Paused);
        Assert.NotNull(paused.PausedAt);
        Assert.True(Assert.Single(await _client.ListTypesAsync(), t => t.Type == "fail").Paused);
        Assert.False((await _client.ResumeTypeAsync("fail")).Paused);
        var unknown = await Assert.ThrowsAsync<ConveyorApiException>(() => _client.PauseTypeAsync("nosuchtype"));
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);

        var schedule = Assert.Single(await _client.ListSchedulesAsync());
        Assert.Equal(("yearly", "0 0 1 1 *"), (schedule.Name, schedule.Cron));
        Assert.Equal("noop", schedule.Job.GetProperty("type").GetString());
        Assert.Equal(1, schedule.NextRunAt!.Value.UtcDateTime.Day);
        Assert.Null(schedule.LastJobId);
    }

    [Fact]
    public async Task A_job_streams_to_its_end_a_load_has_its_log_a_filter_is_bulk_cancelled_and_nodes_and_stats_read()
    {
        var sleeper = await _client.CreateJobAsync(new NewJob { Type = "sleep", Metadata = Json("""{"seconds": 0.2}""") });
        var streamed = new List<ClientJobStatus>();
        await foreach (var progress in _client.StreamJobAsync(sleeper.Id))
        {
            Assert.Equal(sleeper.Id, progress.Id);
            streamed.Add(progress.Status);
        }
        Assert.Equal(ClientJobStatus.Succeeded, streamed[^1]);
        Assert.Single(streamed, s => s.IsFinished());

        var loaded = Assert.Single(await _client.UploadAsync([new UploadFile("people.csv", new MemoryStream("id,name\n1,Ann\n2,Bob\n"u8.ToArray()))]));
        Assert.Equal(ClientJobStatus.Succeeded, (await _client.WaitForJobAsync(loaded.Id, TimeSpan.FromMilliseconds(20))).Status);
        var log = await Eventually.WaitAsync(() => _client.GetJobLogAsync(loaded.Id), l => l.Any(line => line.Message == "Loaded 2 rows"),
            TimeSpan.FromSeconds(20), "the load's lines in its log");
        Assert.All(log, line => Assert.Equal((1, "information"), (line.Attempt, line.Level)));
        Assert.Empty(await _client.GetJobLogAsync(loaded.Id, after: log[^1].Seq));

        // A day ahead, so the worker leaves them queued until the bulk cancel.
        var dataset = "bulk-" + Guid.NewGuid().ToString("N")[..8];
        var later = DateTimeOffset.UtcNow.AddDays(1);
        var queued = await _client.CreateJobsAsync(Enumerable.Range(0, 3).Select(_ => new NewJob { Type = "noop", Dataset = dataset, ScheduledAt = later }));
        var filter = new BulkFilter { Dataset = dataset, Status = [ClientJobStatus.Queued] };
        var dry = await _client.BulkJobsAsync("cancel", filter, dryRun: true);
        Assert.Equal((3L, 0L, true), (dry.Matched, dry.Changed, dry.DryRun));
        var done = await _client.BulkJobsAsync("cancel", filter);
        Assert.Equal((3L, 3L, false), (done.Matched, done.Changed, done.DryRun));
        foreach (var job in queued) Assert.Equal(ClientJobStatus.Cancelled, (await _client.GetJobAsync(job.Id)).Status);

        var node = Assert.Single(await _client.ListNodesAsync());
        Assert.Equal(("serve", 1), (node.Kind, node.Workers));
        var stats = await _client.GetStatsAsync();
        Assert.Equal(1440, stats.FinishedPerMinute.Count);
        Assert.Equal(3, stats.QueueDepth["cancelled"]);
    }

    /// <summary>Each client route and the method that calls it; a route the server adds fails the test below until the client has it.</summary>
    private static readonly Dictionary<string, string> ClientMethods = new()
    {
        ["POST /api/v1/jobs"] = nameof(ConveyorClient.CreateJobAsync),
        ["POST /api/v1/jobs/batch"] = nameof(ConveyorClient.CreateJobsAsync),
        ["GET /api/v1/jobs"] = nameof(ConveyorClient.ListJobsAsync),
        ["GET /api/v1/jobs/{id}"] = nameof(ConveyorClient.GetJobAsync),
        ["DELETE /api/v1/jobs/{id}"] = nameof(ConveyorClient.DeleteJobAsync),
        ["GET /api/v1/jobs/{id}/events"] = nameof(ConveyorClient.GetJobEventsAsync),
        ["POST /api/v1/jobs/{id}/cancel"] = nameof(ConveyorClient.CancelJobAsync),
        ["POST /api/v1/jobs/{id}/retry"] = nameof(ConveyorClient.RetryJobAsync),
        ["POST /api/v1/jobs/{id}/requeue"] = nameof(ConveyorClient.RequeueJobAsync),
        ["POST /api/v1/upload"] = nameof(ConveyorClient.UploadAsync),
        ["POST /api/v1/ingest/json"] = nameof(ConveyorClient.IngestJsonAsync),
        ["GET /api/v1/jobs/{id}/detection"] = nameof(ConveyorClient.GetDetectionAsync),
        ["GET /api/v1/jobs/{id}/records"] = nameof(ConveyorClient.GetJobRecordsAsync),
        ["GET /api/v1/jobs/{id}/failures"] = nameof(ConveyorClient.GetJobFailuresAsync),
        ["GET /api/v1/datasets"] = nameof(ConveyorClient.ListDatasetsAsync),
        ["GET /api/v1/datasets/{name}/records"] = nameof(ConveyorClient.GetDatasetRecordsAsync),
        ["GET /api/v1/sessions"] = nameof(ConveyorClient.ListSessionsAsync),
        ["GET /api/v1/sessions/{id}"] = nameof(ConveyorClient.GetSessionAsync),
        ["POST /ingest/session"] = nameof(ConveyorClient.IngestSessionAsync),
        ["GET /api/v1/types"] = nameof(ConveyorClient.ListTypesAsync),
        ["POST /api/v1/types/{name}/pause"] = nameof(ConveyorClient.PauseTypeAsync),
        ["POST /api/v1/types/{name}/resume"] = nameof(ConveyorClient.ResumeTypeAsync),
        ["GET /api/v1/schedules"] = nameof(ConveyorClient.ListSchedulesAsync),
        ["POST /api/v1/jobs/bulk"] = nameof(ConveyorClient.BulkJobsAsync),
        ["GET /api/v1/jobs/{id}/stream"] = nameof(ConveyorClient.StreamJobAsync),
        ["GET /api/v1/nodes"] = nameof(ConveyorClient.ListNodesAsync),
        ["GET /api/v1/stats"] = nameof(ConveyorClient.GetStatsAsync),
        ["GET /api/v1/jobs/{id}/log"] = nameof(ConveyorClient.GetJobLogAsync),
        ["POST /api/v1/keys"] = nameof(ConveyorClient.CreateKeyAsync),
        ["GET /api/v1/keys"] = nameof(ConveyorClient.ListKeysAsync),
        ["DELETE /api/v1/keys/{id}"] = nameof(ConveyorClient.RevokeKeyAsync),
        ["GET /api/v1/audit"] = nameof(ConveyorClient.ListAuditAsync),
    };

    [Fact]
    public async Task The_client_has_a_method_for_every_api_v1_operation_of_the_openapi_document_and_the_session_intake()
    {
        using var document = JsonDocument.Parse(await _client.Http.GetStringAsync("openapi/v1.json"));
        var operations = document.RootElement.GetProperty("paths").EnumerateObject()
            .Where(p => p.Name.StartsWith("/api/v1/", StringComparison.Ordinal) || p.Name == "/ingest/session")
            .SelectMany(p => p.Value.EnumerateObject().Where(o => o.Name is "get" or "post" or "put" or "patch" or "delete")
                .Select(o => $"{o.Name.ToUpperInvariant()} {p.Name}"))
            .Order(StringComparer.Ordinal).ToList();
        Assert.Equal(ClientMethods.Keys.Order(StringComparer.Ordinal), operations);
        Assert.All(ClientMethods.Values, m => Assert.NotNull(typeof(ConveyorClient).GetMethod(m)));
    }

    [Fact]
    public async Task A_cancelled_token_stops_a_call()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _client.ListJobsAsync(cancellationToken: cts.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _client.WaitForJobAsync(Guid.NewGuid(), cancellationToken: cts.Token));
    }

    [Fact]
    public async Task AddConveyorClient_makes_a_typed_client_of_the_http_client_factory()
    {
        var services = new ServiceCollection();
        services.AddConveyorClient(o => { o.BaseAddress = _server.Address; o.ApiKey = _server.AdminKey; });
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<ConveyorClient>();
        var job = await client.CreateJobAsync(new NewJob { Type = "noop" });
        Assert.Equal("noop", (await client.GetJobAsync(job.Id)).Type);
    }

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; posts to the thread pool, so the last report could come late).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value)
        {
            lock (this) report(value);
        }
    }
}
