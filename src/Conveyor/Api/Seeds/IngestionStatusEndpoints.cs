using Conveyor.Api.V1;
using Conveyor.Application;
using Conveyor.Audit;
using Conveyor.Auth;
using Conveyor.Core;
using Conveyor.Storage;

namespace Conveyor.Api.Seeds;

/// <summary>
/// Seed 003's ingestion status API: recent jobs with their states and safe errors, one job, and a retry for
/// operators (the seed's PowerUser) that re-queues a failed job in place, audited as <c>ingestion.retry</c>.
/// </summary>
public static class IngestionStatusEndpoints
{
    private static readonly HashSet<string> Known = ["status", "type", "source_type", "dataset", "limit", "cursor"];

    public static RouteGroupBuilder MapIngestionStatusApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/ingestion/jobs").WithTags("Seed 003: ingestion status");

        group.MapGet("/", ListAsync)
            .RequireAuthorization(Policies.Viewer)
            .AllowQuery([.. Known], ["status"])
            .WithName("ListIngestionJobs")
            .WithSummary("Recent ingestion jobs, most recent first (seed 003)")
            .WithDescription("Filters: status (comma-separated: queued, running, succeeded, failed, cancelled), type, source_type, " +
                "dataset; limit 1-100 (default 20); cursor from next_cursor.")
            .Produces<IngestionJobListResource>()
            .ProducesValidationProblem();

        group.MapGet("/{id}", GetAsync)
            .RequireAuthorization(Policies.Viewer)
            .WithName("GetIngestionJob")
            .WithSummary("One ingestion job with its safe error and reference (seed 003)")
            .Produces<IngestionJobResource>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/{id}/retry", RetryAsync)
            .RequireAuthorization(Policies.Operator)
            .Audited(AuditActions.IngestionRetry)
            .WithName("RetryIngestionJob")
            .WithSummary("Retry a failed ingestion job in place (seed 003, operator+)")
            .WithDescription("A failed job goes back to queued (outcome applied); a queued or running one is left as it is " +
                "(200, outcome no_op, no job event); succeeded or cancelled is a 409. audit_id is the audit event's id; the " +
                "job event the retry appends carries it too.")
            .Produces<IngestionRetryResource>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        return group;
    }

    private static async Task<IResult> ListAsync(HttpContext context, IJobReader store, CancellationToken ct)
    {
        var (query, errors) = JobListQueryParser.Parse(context.Request.Query, Known, JobSortField.CreatedAt);
        if (query is null) return Problems.Validation(errors);
        var page = await store.ListAsync(query, ct);
        return TypedResults.Ok(new IngestionJobListResource(page.Items.Select(IngestionJobResource.From).ToList(), page.Next?.Encode()));
    }

    private static async Task<IResult> GetAsync(string id, IJobReader store, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var jobId)) return InvalidId();
        var job = await store.GetAsync(jobId, ct);
        return job is null ? Problems.NotFound($"Job {jobId}") : TypedResults.Ok(IngestionJobResource.From(job));
    }

    private static async Task<IResult> RetryAsync(string id, HttpContext context, JobService jobs, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var jobId)) return InvalidId();
        var audit = RequestAudit.For(context, AuditActions.IngestionRetry);
        var outcome = await jobs.RequeueAsync(jobId, audit, ct);
        return outcome.ToResult(job => TypedResults.Ok(new IngestionRetryResource(IngestionJobResource.From(job),
            outcome.Kind == OutcomeKind.Done ? AuditOutcomes.Applied : AuditOutcomes.NoOp, audit.Id)));
    }

    private static IResult InvalidId() => Problems.Validation("id", "The job id must be a UUID.");
}
