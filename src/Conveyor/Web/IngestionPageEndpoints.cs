using Conveyor.Api.V1;
using Conveyor.Application;
using Conveyor.Audit;
using Conveyor.Auth;
using Conveyor.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Conveyor.Web;

/// <summary>
/// <c>/ingestion</c> (seed 003): recent jobs, newest first, with their states and safe errors, live; operators retry a
/// failed one in place, audited as <c>ingestion.retry</c> like the seed's API.
/// </summary>
public static class IngestionPageEndpoints
{
    private static readonly HashSet<string> Known = ["status", "type", "dataset", "cursor", "limit"];

    public static void MapIngestionPages(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/ingestion", PageAsync).RequireAuthorization(Policies.Viewer);
        routes.MapGet("/ingestion/live", Live).RequireAuthorization(Policies.Viewer);
        routes.MapGet("/ingestion/jobs/{id}/confirm-retry", ConfirmAsync).RequireAuthorization(Policies.Operator);
        routes.MapPost("/ingestion/jobs/{id}/retry", RetryAsync).RequireAuthorization(Policies.Operator).Audited(AuditActions.IngestionRetry).FormPost();
    }

    private static async Task<IngestionView> LoadAsync(IQueryCollection raw, IJobReader jobs, CancellationToken ct)
    {
        var query = new QueryCollection(raw.Where(p => Known.Contains(p.Key) && p.Value.Any(v => !string.IsNullOrEmpty(v)))
            .ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal));
        var (parsed, errors) = JobListQueryParser.Parse(query, Known, JobSortField.CreatedAt);
        var page = parsed is null ? null : await jobs.ListAsync(parsed, ct);
        return new IngestionView(query.ToDictionary(p => p.Key, p => p.Value.ToString(), StringComparer.Ordinal), page, errors);
    }

    private static async Task<IResult> PageAsync(HttpContext context, IJobReader jobs)
    {
        var view = await LoadAsync(context.Request.Query, jobs, context.RequestAborted);
        return new RazorComponentResult<IngestionPage>(new { Shell = Shell.For(context), View = view })
        {
            StatusCode = view.Errors.Count > 0 ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK,
        };
    }

    private static IResult Live(HttpContext context, IJobReader jobs, FragmentRenderer renderer, TimeProvider time)
    {
        if (!LiveStream.Accepts(context.Request)) return LiveStream.NotAStream();
        var shell = Shell.For(context);
        var raw = context.Request.Query;
        async Task<IReadOnlyList<LiveStream.Region>> RenderAsync(CancellationToken ct)
        {
            var view = await LoadAsync(raw, jobs, ct);
            return [new("ingestion-rows", await renderer.RenderAsync<IngestionRows>(new Dictionary<string, object?> { ["View"] = view, ["Shell"] = shell }), "outerMorph")];
        }
        return TypedResults.ServerSentEvents(LiveStream.RunAsync(RenderAsync, _ => "The ingestion jobs changed.", time, context.RequestAborted));
    }

    private static async Task<IResult> ConfirmAsync(string id, HttpContext context, IJobReader jobs)
    {
        if (!Guid.TryParse(id, out var jobId)) return QueueEndpoints.Message(context, StatusCodes.Status400BadRequest, "Not a job", "The job id must be a UUID.");
        var job = await jobs.GetAsync(jobId, context.RequestAborted);
        if (job is null) return QueueEndpoints.Message(context, StatusCodes.Status404NotFound, "No such job", $"There is no job {jobId}.");
        return new RazorComponentResult<ConfirmIngestionRetryPage>(new { Shell = Shell.For(context), Job = job });
    }

    private static async Task<IResult> RetryAsync(string id, HttpContext context, JobService service, IJobReader jobs)
    {
        if (!Guid.TryParse(id, out var jobId)) return QueueEndpoints.Message(context, StatusCodes.Status400BadRequest, "Not a job", "The job id must be a UUID.");
        var audit = RequestAudit.For(context, AuditActions.IngestionRetry);
        var outcome = await service.RequeueAsync(jobId, audit, context.RequestAborted);
        var view = await LoadAsync(new QueryCollection(), jobs, context.RequestAborted);
        var notice = outcome.Kind switch
        {
            OutcomeKind.Done => $"Job {JobIds.Short(jobId)} is queued again (audit event {audit.Id}).",
            OutcomeKind.Unchanged => $"Job {JobIds.Short(jobId)} is already queued or running; nothing changed.",
            OutcomeKind.NotFound => $"There is no job {jobId}.",
            _ => $"Job {JobIds.Short(jobId)} was not retried: {outcome.Detail}",
        };
        return new RazorComponentResult<IngestionPage>(new { Shell = Shell.For(context), View = view, Notice = notice })
        {
            StatusCode = outcome.Kind switch
            {
                OutcomeKind.NotFound => StatusCodes.Status404NotFound,
                OutcomeKind.Conflict => StatusCodes.Status409Conflict,
                _ => StatusCodes.Status200OK,
            },
        };
    }
}

/// <summary>The ingestion page's contents: its filters, a page of jobs and any filter errors.</summary>
public sealed record IngestionView(IReadOnlyDictionary<string, string> Filters, JobPage? Page, IReadOnlyDictionary<string, string[]> Errors);
