using System.Security.Cryptography;
using System.Text.Json;
using Conveyor.Api.Json;
using Conveyor.Audit;
using Conveyor.Auth;
using Conveyor.Core;
using Conveyor.Ingestion.Sources;
using Conveyor.Storage;
using Conveyor.Workers;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Conveyor.Api.V1;

/// <summary>The canonical jobs API (<c>/api/v1/jobs…</c>, seed 004's routes).</summary>
public static class JobsEndpoints
{
    public const int MaxIdempotencyKeyLength = 255;

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
            .ProducesProblem(StatusCodes.Status409Conflict)
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
            .WithExamples(request: ApiExamples.BatchRequest, responses: [(201, ApiExamples.BatchResponse)]);

        group.MapGet("/", ListAsync)
            .RequireAuthorization(Policies.Viewer)
            .WithName("ListJobs")
            .WithSummary("List jobs")
            .WithDescription("Filters: status (comma-separated), type, source_type, dataset, session_id. Sort: sort_by " +
                "(created_at, submitted_at, updated_at, scheduled_at, priority, status, type) and sort_order (asc, desc). " +
                "Page with page and limit (≤ 100), or follow next_cursor for keyset paging.")
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

    internal static string Actor(HttpContext context) => Caller.Actor(context);

    private static async Task<IResult> CreateAsync(HttpContext context, IJobAdmin store, JobHandlerRegistry handlers, UrlFetcher urls, CancellationToken ct)
    {
        var key = context.Request.Headers["Idempotency-Key"].ToString();
        if (key.Length > MaxIdempotencyKeyLength || key.Any(c => c < 0x21 || c > 0x7e))
            return Problems.Validation("Idempotency-Key", $"Must be 1-{MaxIdempotencyKeyLength} printable ASCII characters without spaces.");

        var body = await JsonBody.ReadAsync<JobCreateRequest>(context.Request, required: true, ct);
        if (body.Problem is not null) return body.Problem;
        var request = body.Value!;
        var errors = JobCreateRequestValidator.Validate(request, handlers.IsKnown);
        CheckSource(request, urls, errors, "source_uri");
        if (errors.Count > 0) return Problems.Validation(errors);

        var newJob = ToNewJob(request, Actor(context)) with
        {
            IdempotencyKey = key.Length == 0 ? null : key,
            RequestHash = key.Length == 0 ? null : Hash(request),
        };
        var outcome = await store.CreateAsync(newJob, RequestAudit.For(context, AuditActions.JobCreate), ct);
        if (outcome.IdempotencyConflict)
            return Problems.Conflict("This Idempotency-Key was used with a different request body.");
        var resource = JobResource.From(outcome.Job);
        return outcome.Created
            ? TypedResults.Created($"{JobLinks.Base}/{resource.Id}", resource)
            : TypedResults.Ok(resource);
    }

    private static async Task<IResult> CreateBatchAsync(HttpContext context, IJobAdmin store, JobHandlerRegistry handlers, UrlFetcher urls, CancellationToken ct)
    {
        var body = await JsonBody.ReadAsync<BatchCreateRequest>(context.Request, required: true, ct);
        if (body.Problem is not null) return body.Problem;
        var jobs = body.Value!.Jobs;
        if (jobs is null || jobs.Count == 0) return Problems.Validation("jobs", "Give at least one job.");
        if (jobs.Count > JobDefaults.MaxBatchSize) return Problems.Validation("jobs", $"At most {JobDefaults.MaxBatchSize} jobs per batch.");

        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        for (var i = 0; i < jobs.Count; i++)
        {
            if (jobs[i] is null)
            {
                errors[$"jobs[{i}]"] = ["Must be a job object."];
                continue;
            }
            foreach (var (field, messages) in JobCreateRequestValidator.Validate(jobs[i], handlers.IsKnown))
                errors[$"jobs[{i}].{field}"] = messages;
            CheckSource(jobs[i], urls, errors, $"jobs[{i}].source_uri");
        }
        if (errors.Count > 0) return Problems.Validation(errors);

        var actor = Actor(context);
        var audit = RequestAudit.For(context, AuditActions.JobCreateBatch, $$"""{"count":{{jobs.Count}}}""");
        var created = await store.CreateBatchAsync(jobs.Select(j => ToNewJob(j, actor)).ToList(), audit, ct);
        var items = created.Select(j => JobResource.From(j)).ToList();
        return TypedResults.Created((string?)null, new BatchCreateResource(items.Select(i => i.Id).ToList(), items));
    }

    private static async Task<IResult> ListAsync(HttpContext context, IJobReader store, CancellationToken ct)
    {
        var (query, errors) = JobListQueryParser.Parse(context.Request.Query);
        if (query is null) return Problems.Validation(errors);
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
        if (query.After is null && (long)query.Page * query.Limit < page.Total) links["next_page"] = new(Href($"page={query.Page + 1}"));

        return TypedResults.Ok(new JobListResource(
            page.Items.Select(j => JobResource.From(j)).ToList(),
            page.Total,
            query.After is null ? query.Page : null,
            query.Limit,
            next,
            links));
    }

    /// <summary>GET /api/v1/jobs/{id}; public so that bench/Conveyor.AuthBench can map the very same handler without auth.</summary>
    public static async Task<IResult> GetAsync(string id, IJobReader store, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var jobId)) return InvalidId();
        var job = await store.GetAsync(jobId, ct);
        if (job is null) return Problems.NotFound($"Job {jobId}");
        var retriedBy = job.Status == JobStatus.Failed ? await store.FindRetryAsync(jobId, ct) : null;
        return TypedResults.Ok(JobResource.From(job, retriedBy));
    }

    private static async Task<IResult> EventsAsync(string id, IJobReader store, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var jobId)) return InvalidId();
        var events = await store.GetEventsAsync(jobId, ct);
        return events is null
            ? Problems.NotFound($"Job {jobId}")
            : TypedResults.Ok(new JobEventListResource(jobId, events.Select(JobEventResource.From).ToList()));
    }

    private static async Task<IResult> DeleteAsync(string id, HttpContext context, IJobAdmin store, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var jobId)) return InvalidId();
        var outcome = await store.ApplyAsync(jobId, JobOperation.Cancel, RequestAudit.For(context, AuditActions.JobCancel), ct);
        return OperationResult(jobId, outcome) ?? TypedResults.NoContent();
    }

    private static Task<IResult> CancelAsync(string id, HttpContext context, IJobAdmin store, CancellationToken ct) =>
        ApplyAsync(id, JobOperation.Cancel, AuditActions.JobCancel, context, store, ct);

    private static Task<IResult> RequeueAsync(string id, HttpContext context, IJobAdmin store, CancellationToken ct) =>
        ApplyAsync(id, JobOperation.Requeue, AuditActions.JobRequeue, context, store, ct);

    private static async Task<IResult> ApplyAsync(string id, JobOperation operation, string action, HttpContext context, IJobAdmin store,
        CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var jobId)) return InvalidId();
        var outcome = await store.ApplyAsync(jobId, operation, RequestAudit.For(context, action), ct);
        return OperationResult(jobId, outcome) ?? TypedResults.Ok(JobResource.From(outcome.Job!));
    }

    /// <summary>The problem for a missing job or a refused transition; null when the operation went through.</summary>
    private static IResult? OperationResult(Guid id, OperationOutcome outcome) =>
        outcome.Job is null ? Problems.NotFound($"Job {id}")
        : outcome.Transition is { Kind: TransitionKind.Rejected } rejected ? Problems.Conflict(rejected.Reason!)
        : null;

    private static async Task<IResult> RetryAsync(string id, HttpContext context, IJobAdmin store, JobHandlerRegistry handlers, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var jobId)) return InvalidId();
        var body = await JsonBody.ReadAsync<RetryRequest>(context.Request, required: false, ct);
        if (body.Problem is not null) return body.Problem;
        var change = body.Value?.ConfigOverride;
        if (change is not null)
        {
            var probe = new JobCreateRequest
            {
                Type = "noop",
                Mode = change.Mode,
                Priority = change.Priority,
                Metadata = change.Metadata,
                Dataset = change.Dataset,
                MaxAttempts = change.MaxAttempts,
                ScheduledAt = change.ScheduledAt,
            };
            var errors = JobCreateRequestValidator.Validate(probe, _ => true);
            if (errors.Count > 0) return Problems.Validation(errors.ToDictionary(e => "config_override." + e.Key, e => e.Value));
        }

        var actor = Actor(context);
        var outcome = await store.RetryAsNewAsync(jobId, original => RetryOf(original, change, actor),
            RequestAudit.For(context, AuditActions.JobRetryAsNew), ct);
        if (outcome.Original is null) return Problems.NotFound($"Job {jobId}");
        if (outcome.Transition is { Kind: TransitionKind.Rejected } rejected) return Problems.Conflict(rejected.Reason!);
        var resource = JobResource.From(outcome.Retry!);
        return outcome.Transition!.IsApplied
            ? TypedResults.Created($"{JobLinks.Base}/{resource.Id}", resource)
            : TypedResults.Ok(resource);
    }

    private static NewJob RetryOf(Job original, ConfigOverride? change, string actor) => new()
    {
        Type = original.Type,
        SourceType = original.SourceType,
        SourceUri = original.SourceUri,
        FileName = original.FileName,
        FileSize = original.FileSize,
        MimeType = original.MimeType,
        Mode = change?.Mode ?? original.Mode,
        Priority = change?.Priority ?? original.Priority,
        Metadata = change?.Metadata is { ValueKind: JsonValueKind.Object } metadata ? metadata : original.Metadata,
        SessionId = original.SessionId,
        Dataset = change?.Dataset ?? original.Dataset,
        MaxAttempts = change?.MaxAttempts ?? original.MaxAttempts,
        ScheduledAt = change?.ScheduledAt,
        CreatedBy = actor,
        Synthetic = original.Synthetic,
    };

    private static NewJob ToNewJob(JobCreateRequest request, string actor) => new()
    {
        Type = request.Type!,
        SourceType = request.SourceType,
        SourceUri = request.SourceUri,
        FileName = request.FileName,
        FileSize = request.FileSize,
        MimeType = request.MimeType,
        Mode = request.Mode,
        Priority = request.Priority ?? 0,
        Metadata = request.Metadata is { ValueKind: JsonValueKind.Object } metadata ? metadata : null,
        Dataset = request.Dataset,
        MaxAttempts = request.MaxAttempts ?? JobDefaults.MaxAttempts,
        ScheduledAt = request.ScheduledAt,
        CreatedBy = actor,
    };

    private static string Hash(JobCreateRequest request) =>
        Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(request, ConveyorJson.Options)));

    /// <summary>
    /// An http(s) source_uri is fetched by the worker, so it is checked now against Conveyor:Sources (allowed hosts,
    /// private addresses): a refused source is a 400 at create time that says why, not a failed job later.
    /// </summary>
    private static void CheckSource(JobCreateRequest request, UrlFetcher urls, Dictionary<string, string[]> errors, string field)
    {
        if (errors.ContainsKey(field)) return;
        var loads = request.Type is "csv" or "json" or "ndjson";
        if (request.SourceUri is { } uri && (loads || UrlFetcher.IsHttp(uri)) && urls.Refusal(uri) is { } refusal)
            errors[field] = [refusal];
        else if (loads && request.SourceUri is null)
            errors[field] = [$"A {request.Type} job created here loads from an http(s) source_uri; upload files with POST /api/v1/upload."];
    }

    private static ValidationProblem InvalidId() => Problems.Validation("id", "The job id must be a UUID.");
}
