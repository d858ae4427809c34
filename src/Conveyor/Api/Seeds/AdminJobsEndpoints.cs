using Conveyor.Api.V1;
using Conveyor.Application;
using Conveyor.Audit;
using Conveyor.Auth;
using Conveyor.Core;
using Conveyor.Storage;

namespace Conveyor.Api.Seeds;

/// <summary>
/// Seeds 000/001's admin jobs API (operator+): the queue, and retry (re-queue in place) and cancel that are
/// idempotent: the first call moves <c>updated_at</c> and appends one job event, a repeat answers 200 with the
/// same job and appends none.
/// </summary>
public static class AdminJobsEndpoints
{
    private static readonly HashSet<string> Known = ["status", "type", "session_id", "limit", "cursor"];

    public static RouteGroupBuilder MapAdminJobsApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/admin/jobs").WithTags("Seeds 000/001: admin jobs");

        group.MapGet("/", ListAsync)
            .RequireAuthorization(Policies.Operator)
            .AllowQuery([.. Known], ["status"])
            .WithName("ListAdminJobs")
            .WithSummary("The processing queue, most recently updated first (seeds 000/001)")
            .WithDescription("Filters: status (comma-separated), type, session_id; limit 1-100 (default 20); cursor from next_cursor.")
            .Produces<AdminJobListResource>()
            .ProducesValidationProblem();

        group.MapPost("/{id}/retry", RetryAsync)
            .RequireAuthorization(Policies.Operator)
            .Audited(AuditActions.JobRequeue)
            .WithName("RetryAdminJob")
            .WithSummary("Retry a failed job in place (seeds 000/001)")
            .WithDescription("failed → queued; queued or running: 200 with the job unchanged; succeeded or cancelled: 409.")
            .Produces<AdminJobResource>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        group.MapPost("/{id}/cancel", CancelAsync)
            .RequireAuthorization(Policies.Operator)
            .Audited(AuditActions.JobCancel)
            .WithName("CancelAdminJob")
            .WithSummary("Cancel a queued or running job (seeds 000/001)")
            .WithDescription("queued → cancelled; running → cancel requested (the worker stops within a heartbeat); a repeat: " +
                "200 unchanged; succeeded or failed: 409.")
            .Produces<AdminJobResource>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        return group;
    }

    private static async Task<IResult> ListAsync(HttpContext context, IJobReader store, CancellationToken ct)
    {
        var (query, errors) = JobListQueryParser.Parse(context.Request.Query, Known, JobSortField.UpdatedAt);
        if (query is null) return Problems.Validation(errors);
        var page = await store.ListAsync(query, ct);
        return TypedResults.Ok(new AdminJobListResource(page.Items.Select(AdminJobResource.From).ToList(), page.Total, query.Limit,
            page.Next?.Encode()));
    }

    private static async Task<IResult> RetryAsync(string id, HttpContext context, JobService jobs, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var jobId)) return InvalidId();
        var outcome = await jobs.RequeueAsync(jobId, RequestAudit.For(context, AuditActions.JobRequeue), ct);
        return outcome.ToResult(job => TypedResults.Ok(AdminJobResource.From(job)));
    }

    private static async Task<IResult> CancelAsync(string id, HttpContext context, JobService jobs, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var jobId)) return InvalidId();
        var outcome = await jobs.CancelAsync(jobId, RequestAudit.For(context, AuditActions.JobCancel), ct);
        return outcome.ToResult(job => TypedResults.Ok(AdminJobResource.From(job)));
    }

    private static IResult InvalidId() => Problems.Validation("id", "The job id must be a UUID.");
}
