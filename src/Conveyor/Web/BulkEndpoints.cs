using Conveyor.Application;
using Conveyor.Audit;
using Conveyor.Auth;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Conveyor.Web;

/// <summary>
/// "Select all N matching": a bulk action over everything the queue's filters match, not only the rows in view.
/// The confirmation counts the matches exactly (a dry run of <see cref="BulkJobService"/>) and says the number; the
/// confirmed form post applies it server-side in batches, each job with its event and one <c>job.bulk</c> audit event.
/// </summary>
public static class BulkEndpoints
{
    public static void MapBulkPages(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/admin/queue/bulk/confirm", ConfirmAsync).RequireAuthorization(Policies.Operator);
        routes.MapPost("/admin/queue/bulk", ApplyAsync).RequireAuthorization(Policies.Operator).Audited(AuditActions.JobBulk).FormPost();
    }

    private static async Task<IResult> ConfirmAsync(HttpContext context, BulkJobService bulk)
    {
        var action = context.Request.Query["action"].ToString();
        var filters = QueueFilters.From(context.Request.Query);
        var (query, errors) = filters.Parse();
        if (query is null || !BulkJobService.Actions.ContainsKey(action))
        {
            return QueueEndpoints.Message(context, StatusCodes.Status400BadRequest, "Not a bulk action",
                query is null ? "Some filters were not understood: " + string.Join(" ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"))
                    : $"The actions are {string.Join(", ", BulkJobService.Actions.Keys)}.");
        }
        var counted = await bulk.RunAsync(action, query, dryRun: true, RequestAudit.For(context, AuditActions.JobBulk), context.RequestAborted);
        return new RazorComponentResult<BulkConfirmPage>(new { Shell = Shell.For(context), Filters = filters, Action = action, Matched = counted.Value!.Matched });
    }

    private static async Task<IResult> ApplyAsync(HttpContext context, BulkJobService bulk, QueueLoader loader)
    {
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var action = form["action"].ToString();
        var filters = QueueFilters.From(form);
        var (query, errors) = filters.Parse();
        if (query is null)
        {
            return QueueEndpoints.Message(context, StatusCodes.Status400BadRequest, "Not a bulk action",
                "Some filters were not understood: " + string.Join(" ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")));
        }
        var outcome = await bulk.RunAsync(action, query, dryRun: false, RequestAudit.For(context, AuditActions.JobBulk), context.RequestAborted);
        if (outcome.Value is not { } result)
            return QueueEndpoints.Message(context, StatusCodes.Status400BadRequest, "Not a bulk action", $"The actions are {string.Join(", ", BulkJobService.Actions.Keys)}.");
        var notice = $"{JobActionNames.Label(action)}: {result.Changed:N0} of {result.Matched:N0} matching jobs changed" +
            (result.Unchanged > 0 ? $", {result.Unchanged:N0} already were" : "") +
            (result.Rejected > 0 ? $", {result.Rejected:N0} could not be (their state does not allow it)" : "") + ".";
        var view = await loader.LoadAsync(filters, context.RequestAborted);
        return new RazorComponentResult<QueuePage>(new { Shell = Shell.For(context), View = view, Notice = notice });
    }
}
