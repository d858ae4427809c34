using System.Text.Json;
using Conveyor.Api.Json;
using Conveyor.Application;
using Conveyor.Caching;
using Conveyor.Audit;
using Conveyor.Auth;
using Conveyor.Core;
using Conveyor.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Conveyor.Api.V1;

/// <summary>The canonical jobs API (<c>/api/v1/jobs…</c>, seed 004's routes).</summary>
public static class JobsEndpoints
{
    public static RouteGroupBuilder MapJobsV1(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/jobs").WithTags("Jobs");

        group.MapPost("/", CreateAsync)
            .RequireAuthorization(Policies.Submitter)
            .Audited(AuditActions.JobCreate)
            .WithName("CreateJob")
            .WithSummary("Create a job")
            .WithDescription("Records a durable job in status queued before any work starts. With an Idempotency-Key header, " +
                "a repeat of the same body returns the same job (200); the same key with another body is a 409.")
            .Accepts<JobCreateRequest>("application/json")
            .Produces<JobResource>(StatusCodes.Status201Created)
            .Produces<JobResource>(StatusCodes.Status200OK)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .WithExamples(request: ApiExamples.CreateRequest, responses: [(201, ApiExamples.QueuedJob), (400, ApiExamples.ValidationProblem)]);

        group.MapPost("/batch", CreateBatchAsync)
            .RequireAuthorization(Policies.Submitter)
            .Audited(AuditActions.JobCreateBatch)
            .WithName("CreateJobBatch")
            .WithSummary("Create up to 1,000 jobs in one transaction")
            .Accepts<BatchCreateRequest>("application/json")
            .Produces<BatchCreateResource>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .WithExamples(request: ApiExamples.BatchRequest, responses: [(201, ApiExamples.BatchResponse)]);

        group.MapPost("/bulk", BulkAsync)
            .RequireAuthorization(Policies.Operator)
            .Audited(AuditActions.JobBulk)
            .WithName("BulkJobs")
            .WithSummary("Cancel, requeue or retry every job a filter matches")
            .WithDescription("filter takes the list's filters (status as an array, type, source_type, dataset, session_id, q). " +
                "With dry_run true the answer is the count the action would start from (matched) and nothing changes. Otherwise " +
                "the action applies to every job matched when it began, not only a page, in batches of 500 on the server: each " +
                "job changed gets its own event, and the action one audit event (job.bulk) with the filter and the count. Jobs " +
                "already in the asked-for state count as unchanged; those the action does not apply to (requeue of a succeeded " +
                "job) as rejected. retry is retry-as-new, requeue retries a failed job in place.")
            .Accepts<BulkActionRequest>("application/json")
            .Produces<BulkActionResource>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .WithExamples(request: ApiExamples.BulkRequest, responses: [(200, ApiExamples.BulkResponse)]);

        group.MapGet("/", ListAsync)
            .RequireAuthorization(Policies.Viewer)
            .AllowQuery([.. JobListQueryParser.Known], ["status"])
            .WithName("ListJobs")
            .WithSummary("List jobs")
            .WithDescription("Filters: status (comma-separated), type, source_type, dataset, session_id, and q: search for 3-200 " +
                "characters in the id (an id prefix finds its job), the file name and the metadata text, case-insensitively. " +
                "Sort: sort_by (created_at, submitted_at, updated_at, scheduled_at, priority, status, type) and sort_order (asc, desc). " +
                "Page with page and limit (≤ 100), or follow next_cursor for keyset paging (filters kept). total counts at most " +
                "10,000 matches; above that total_capped is true.")
            .Produces<JobListResource>()
            .ProducesValidationProblem()
            .WithExamples(responses: [(200, ApiExamples.JobList)]);

        group.MapGet("/{id}", GetAsync)
            .RequireAuthorization(Policies.Viewer)
            .WithName("GetJob")
            .WithSummary("Get a job")
            .Produces<JobResource>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithExamples(responses: [(200, ApiExamples.QueuedJob), (404, ApiExamples.NotFoundProblem)]);

        group.MapGet("/{id}/events", EventsAsync)
            .RequireAuthorization(Policies.Viewer)
            .WithName("GetJobEvents")
            .WithSummary("A job's history, oldest first")
            .Produces<JobEventListResource>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithExamples(responses: [(200, ApiExamples.EventList)]);

        group.MapGet("/{id}/log", LogAsync)
            .RequireAuthorization(Policies.Viewer)
            .AllowQuery("after")
            .WithName("GetJobLog")
            .WithSummary("The job's own log: the lines its handler logged for it, oldest first")
            .WithDescription("Lines at Information and above that the handler wrote through its logger, in every attempt: {job_id, " +
                "items: [{seq, at, attempt, level, message}]}. A job keeps its newest Conveyor:Workers:LogLinesPerJob (1,000) lines; " +
                "older ones are dropped first, so seq may start above 1. after=N returns only lines after seq N (to follow a log). " +
                "Lines reach the store with the worker's progress flush, within about a second.")
            .Produces<JobLogResource>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/{id}/stream", StreamAsync)
            .RequireAuthorization(Policies.Viewer)
            .WithName("StreamJob")
            .WithSummary("A job's status and counters as Server-Sent Events, until it ends")
            .WithDescription("text/event-stream: an event named job with the job's status and counters now, then one at each " +
                "change (within about a second, from any node), ending after the job is succeeded, failed or cancelled. " +
                "A client that reconnects gets the state it missed as its first event. Ask with Accept: text/event-stream (a 406 " +
                "otherwise, so a plain GET never hangs on a job that has not ended). See docs/api.md for a browser example.")
            .Produces<JobProgressResource>(StatusCodes.Status200OK, "text/event-stream")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status406NotAcceptable);

        group.MapDelete("/{id}", DeleteAsync)
            .RequireAuthorization(Policies.Operator)
            .Audited(AuditActions.JobCancel)
            .WithName("DeleteJob")
            .WithSummary("Cancel a job (204)")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithExamples(responses: [(409, ApiExamples.CancelConflict)]);

        group.MapPost("/{id}/cancel", CancelAsync)
            .RequireAuthorization(Policies.Operator)
            .Audited(AuditActions.JobCancel)
            .WithName("CancelJob")
            .WithSummary("Cancel a job")
            .WithDescription("A queued job is cancelled at once; a running job gets cancel_requested_at and its worker stops " +
                "within one heartbeat. Repeating is harmless (200, unchanged). Finished jobs answer 409.")
            .Produces<JobResource>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithExamples(responses: [(200, ApiExamples.CancelledJob), (409, ApiExamples.CancelConflict)]);

        group.MapPost("/{id}/retry", RetryAsync)
            .RequireAuthorization(Policies.Operator)
            .Audited(AuditActions.JobRetryAsNew)
            .WithName("RetryJob")
            .WithSummary("Retry a failed job as a new job")
            .WithDescription("Creates a new job with the original's configuration (config_override may change mode, priority, " +
                "metadata, dataset, max_attempts, scheduled_at) and retry_of set (201). The original keeps its status and links " +
                "to the new job. Repeating returns the same new job (200).")
            .Accepts<RetryRequest>("application/json")
            .Produces<JobResource>(StatusCodes.Status201Created)
            .Produces<JobResource>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithExamples(request: ApiExamples.RetryRequest, responses: [(201, ApiExamples.RetriedJob), (409, ApiExamples.RetryConflict)]);

        group.MapPost("/{id}/requeue", RequeueAsync)
            .RequireAuthorization(Policies.Operator)
            .Audited(AuditActions.JobRequeue)
            .WithName("RequeueJob")
            .WithSummary("Retry a failed job in place")
            .WithDescription("The failed job goes back to queued with its attempt history kept. Queued or running: 200, unchanged. " +
                "Succeeded or cancelled: 409.")
            .Produces<JobResource>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithExamples(responses: [(200, ApiExamples.QueuedJob), (409, ApiExamples.RetryConflict)]);

        return group;
    }

    private static async Task<IResult> CreateAsync(HttpContext context, JobService jobs, CancellationToken ct)
    {
        var body = await JsonBody.ReadAsync<JobCreateRequest>(context.Request, required: true, ct);
        if (body.Problem is not null) return body.Problem;
        var outcome = await jobs.CreateAsync(body.Value!, context.Request.Headers["Idempotency-Key"].ToString(),
            RequestAudit.For(context, AuditActions.JobCreate), ct);
        return outcome.ToResult(
            created: job => TypedResults.Created($"{JobLinks.Base}/{job.Id}", JobResource.From(job)),
            done: job => TypedResults.Ok(JobResource.From(job)));
    }

    private static async Task<IResult> CreateBatchAsync(HttpContext context, JobService jobs, CancellationToken ct)
    {
        var body = await JsonBody.ReadAsync<BatchCreateRequest>(context.Request, required: true, ct);
        if (body.Problem is not null) return body.Problem;
        var outcome = await jobs.CreateBatchAsync(body.Value!.Jobs, RequestAudit.For(context, AuditActions.JobCreateBatch), ct);
        return outcome.ToResult(created =>
        {
            var items = created.Select(j => JobResource.From(j)).ToList();
            return TypedResults.Created((string?)null, new BatchCreateResource(items.Select(i => i.Id).ToList(), items));
        });
    }

    /// <summary>The list filters a bulk action takes: the list's, without its paging and sort.</summary>
    private static readonly HashSet<string> BulkFilterNames = ["status", "type", "source_type", "dataset", "session_id", "q"];

    private static async Task<IResult> BulkAsync(HttpContext context, BulkJobService bulk, CancellationToken ct)
    {
        var body = await JsonBody.ReadAsync<BulkActionRequest>(context.Request, required: true, ct);
        if (body.Problem is not null) return body.Problem;
        var request = body.Value!;
        // The filter is read by the list's own parser, so it means and refuses exactly what GET /api/v1/jobs does.
        var filter = request.Filter ?? new BulkFilter();
        var values = new Dictionary<string, Microsoft.Extensions.Primitives.StringValues>(StringComparer.Ordinal);
        if (filter.Status is { Count: > 0 } statuses) values["status"] = string.Join(",", statuses);
        if (filter.Type is not null) values["type"] = filter.Type;
        if (filter.SourceType is not null) values["source_type"] = filter.SourceType;
        if (filter.Dataset is not null) values["dataset"] = filter.Dataset;
        if (filter.SessionId is not null) values["session_id"] = filter.SessionId;
        if (filter.Q is not null) values["q"] = filter.Q;
        var (query, errors) = JobListQueryParser.Parse(new QueryCollection(values), BulkFilterNames, JobSortField.CreatedAt);
        if (query is null) return Problems.Validation(errors.ToDictionary(e => "filter." + e.Key, e => e.Value, StringComparer.Ordinal));
        var outcome = await bulk.RunAsync(request.Action, query, request.DryRun, RequestAudit.For(context, AuditActions.JobBulk), ct);
        return outcome.ToResult(r => TypedResults.Ok(new BulkActionResource(r.Action, r.DryRun, r.Matched, r.Changed, r.Unchanged, r.Rejected)));
    }

    private static async Task<IResult> ListAsync(HttpContext context, IJobReader store, CancellationToken ct)
    {
        var (parsed, errors) = JobListQueryParser.Parse(context.Request.Query);
        if (parsed is null) return Problems.Validation(errors);
        var query = parsed with { CountLimit = JobQuery.DefaultCountLimit };
        var page = await store.ListAsync(query, ct);
        var next = page.Next?.Encode();
        var links = new Dictionary<string, Link>(StringComparer.Ordinal) { ["self"] = new(context.Request.Path + context.Request.QueryString) };
        var filters = context.Request.Query
            .Where(p => p.Key is not ("page" or "cursor"))
            .SelectMany(p => p.Value.Select(v => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(v ?? string.Empty)}"))
            .ToList();
        string Href(params string[] extra) => JobLinks.Base + "?" + string.Join("&", filters.Concat(extra));
        if (next is not null) links["next"] = new(Href($"cursor={Uri.EscapeDataString(next)}"));
        if (query.After is null && query.Page > 1) links["prev"] = new(Href($"page={query.Page - 1}"));
        if (query.After is null && page.Next is not null) links["next_page"] = new(Href($"page={query.Page + 1}"));

        return TypedResults.Ok(new JobListResource(
            page.Items.Select(j => JobResource.From(j)).ToList(),
            page.Total,
            page.TotalCapped,
            query.After is null ? query.Page : null,
            query.Limit,
            next,
            links));
    }

    /// <summary>
    /// GET /api/v1/jobs/{id}: the job resource's JSON from the job cache (a node's memory, then Redis, then the store,
    /// with every change of the job dropping it; see <see cref="IJobCache"/>). Public so that bench/Conveyor.AuthBench can
    /// map the very same handler without auth.
    /// </summary>
    public static async Task<IResult> GetAsync(string id, IJobReader store, IJobCache cache, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var jobId)) return InvalidId();
        var payload = await cache.GetOrLoadAsync(jobId, JobCacheView.Resource, c => LoadResourceAsync(store, jobId, c), ct);
        return payload is null ? Problems.NotFound($"Job {jobId}") : TypedResults.Bytes(payload, "application/json; charset=utf-8");
    }

    /// <summary>The resource's JSON as the store has it now, or null when there is no such job.</summary>
    private static async ValueTask<byte[]?> LoadResourceAsync(IJobReader store, Guid jobId, CancellationToken ct)
    {
        var job = await store.GetAsync(jobId, ct);
        if (job is null) return null;
        var retriedBy = job.Status == JobStatus.Failed ? await store.FindRetryAsync(jobId, ct) : null;
        return JsonSerializer.SerializeToUtf8Bytes(JobResource.From(job, retriedBy), ConveyorJson.Options);
    }

    private static async Task<IResult> EventsAsync(string id, IJobReader store, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var jobId)) return InvalidId();
        var events = await store.GetEventsAsync(jobId, ct);
        return events is null
            ? Problems.NotFound($"Job {jobId}")
            : TypedResults.Ok(new JobEventListResource(jobId, events.Select(JobEventResource.From).ToList()));
    }

    private static async Task<IResult> LogAsync(string id, HttpContext context, IJobLog log, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var jobId)) return InvalidId();
        long after = 0;
        if (context.Request.Query.TryGetValue("after", out var afterValue) && (!long.TryParse(afterValue.ToString(),
                System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out after) || after < 0))
            return Problems.Validation("after", "Must be a whole number, 0 or more (a seq from an earlier answer).");
        var lines = await log.ReadLogAsync(jobId, after, ct);
        return lines is null
            ? Problems.NotFound($"Job {jobId}")
            : TypedResults.Ok(new JobLogResource(jobId, lines.Select(l => new JobLogLineResource(l.Seq, l.At, l.Attempt, l.Level, l.Message)).ToList()));
    }

    /// <summary>The SSE event name of every stream event.</summary>
    public const string StreamEvent = "job";

    private static async Task<IResult> StreamAsync(string id, HttpContext context, IJobReader store, JobFeed feed, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var jobId)) return InvalidId();
        if (await store.GetAsync(jobId, ct) is null) return Problems.NotFound($"Job {jobId}");
        // As the dashboard's live addresses: only a client that asked for a stream gets one (EventSource and fetch with the
        // header do), so a plain GET of a job that has not ended answers at once instead of holding the connection.
        if (!EventStreamRequests.Accepts(context.Request)) return EventStreamRequests.NotAStream();
        return TypedResults.ServerSentEvents(Events(feed.WatchAsync(jobId, ct)));

        static async IAsyncEnumerable<System.Net.ServerSentEvents.SseItem<string>> Events(IAsyncEnumerable<Job> jobs)
        {
            await foreach (var job in jobs)
            {
                var data = System.Text.Json.JsonSerializer.Serialize(JobProgressResource.From(job), Json.ConveyorJson.Options);
                yield return new System.Net.ServerSentEvents.SseItem<string>(data, StreamEvent)
                {
                    EventId = job.UpdatedAt.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
                };
            }
        }
    }

    private static async Task<IResult> DeleteAsync(string id, HttpContext context, JobService jobs, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var jobId)) return InvalidId();
        var outcome = await jobs.CancelAsync(jobId, RequestAudit.For(context, AuditActions.JobCancel), ct);
        return outcome.ToResult(_ => TypedResults.NoContent());
    }

    private static async Task<IResult> CancelAsync(string id, HttpContext context, JobService jobs, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var jobId)) return InvalidId();
        var outcome = await jobs.CancelAsync(jobId, RequestAudit.For(context, AuditActions.JobCancel), ct);
        return outcome.ToResult(job => TypedResults.Ok(JobResource.From(job)));
    }

    private static async Task<IResult> RequeueAsync(string id, HttpContext context, JobService jobs, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var jobId)) return InvalidId();
        var outcome = await jobs.RequeueAsync(jobId, RequestAudit.For(context, AuditActions.JobRequeue), ct);
        return outcome.ToResult(job => TypedResults.Ok(JobResource.From(job)));
    }

    private static async Task<IResult> RetryAsync(string id, HttpContext context, JobService jobs, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var jobId)) return InvalidId();
        var body = await JsonBody.ReadAsync<RetryRequest>(context.Request, required: false, ct);
        if (body.Problem is not null) return body.Problem;
        var outcome = await jobs.RetryAsNewAsync(jobId, body.Value?.ConfigOverride, RequestAudit.For(context, AuditActions.JobRetryAsNew), ct);
        return outcome.ToResult(
            created: job => TypedResults.Created($"{JobLinks.Base}/{job.Id}", JobResource.From(job)),
            done: job => TypedResults.Ok(JobResource.From(job)));
    }

    private static ValidationProblem InvalidId() => Problems.Validation("id", "The job id must be a UUID.");
}
