using System.Globalization;
using System.Text.Json;
using Conveyor.Application;
using Conveyor.Audit;
using Conveyor.Auth;
using Conveyor.Core;
using Conveyor.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Conveyor.Web;

/// <summary>
/// <c>/admin/queue</c>: the page (every filter in the URL), its live stream, the row actions (a confirmation, then an
/// antiforgery-checked form post through <see cref="JobService"/>, audited like the API's) and the create-job form.
/// </summary>
public static class QueueEndpoints
{
    public static void MapQueuePages(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/admin/queue", PageAsync).RequireAuthorization(Policies.Viewer);
        routes.MapGet("/admin/queue/live", Live).RequireAuthorization(Policies.Viewer);
        routes.MapGet("/admin/queue/jobs/{id}/row", RowAsync).RequireAuthorization(Policies.Viewer);
        routes.MapGet("/admin/queue/jobs/{id}/confirm/{action}", ConfirmAsync).RequireAuthorization(Policies.Operator);
        routes.MapPost("/admin/queue/jobs/{id}/retry", (string id, HttpContext c, JobService jobs) => ActAsync(id, JobActionNames.Retry, c, jobs))
            .RequireAuthorization(Policies.Operator).Audited(AuditActions.JobRetryAsNew).FormPost();
        routes.MapPost("/admin/queue/jobs/{id}/requeue", (string id, HttpContext c, JobService jobs) => ActAsync(id, JobActionNames.Requeue, c, jobs))
            .RequireAuthorization(Policies.Operator).Audited(AuditActions.JobRequeue).FormPost();
        routes.MapPost("/admin/queue/jobs/{id}/cancel", (string id, HttpContext c, JobService jobs) => ActAsync(id, JobActionNames.Cancel, c, jobs))
            .RequireAuthorization(Policies.Operator).Audited(AuditActions.JobCancel).FormPost();
        routes.MapPost("/admin/queue/jobs", CreateAsync).RequireAuthorization(Policies.Submitter).Audited(AuditActions.JobCreate).FormPost();
    }

    private static async Task<IResult> PageAsync(HttpContext context, QueueLoader loader)
    {
        var view = await loader.LoadAsync(QueueFilters.From(context.Request.Query), context.RequestAborted);
        return new RazorComponentResult<QueuePage>(new { Shell = Shell.For(context), View = view })
        {
            StatusCode = view.Errors.Count > 0 ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK,
        };
    }

    private static IResult Live(HttpContext context, QueueViews views, FragmentRenderer renderer, TimeProvider time)
    {
        if (!LiveStream.Accepts(context.Request)) return LiveStream.NotAStream();
        var filters = QueueFilters.From(context.Request.Query);
        var shell = Shell.For(context);
        IReadOnlyList<Guid>? order = null;
        async Task<IReadOnlyList<LiveStream.Region>> RenderAsync(CancellationToken ct)
        {
            // The read is shared with every open page of the same filters on this node (one a second); the HTML is this page's.
            var view = await views.LoadAsync(filters, ct);
            var regions = new List<LiveStream.Region>
            {
                new("status-chips", await renderer.RenderAsync<StatusChips>(new Dictionary<string, object?> { ["View"] = view })),
                new("type-counts", await renderer.RenderAsync<TypeCounts>(new Dictionary<string, object?> { ["View"] = view })),
            };
            // Rows in the same order: only the rows that changed go out. Another order (a new job, one gone): the whole body,
            // its rows remembered as sent with it.
            var ids = view.Page?.Items.Select(j => j.Id).ToList() ?? [];
            var reordered = order is null || !order.SequenceEqual(ids);
            order = ids;
            if (reordered) regions.Add(new("queue-rows", await renderer.RenderAsync<QueueRows>(new Dictionary<string, object?> { ["View"] = view, ["Shell"] = shell })));
            foreach (var job in view.Page?.Items ?? [])
            {
                regions.Add(new($"job-{job.Id}", await renderer.RenderAsync<JobRow>(new Dictionary<string, object?>
                {
                    ["Job"] = job, ["Shell"] = shell, ["ReturnUrl"] = filters.Url(),
                }), Covered: reordered));
            }
            return regions;
        }
        static string? Announce(IReadOnlyList<LiveStream.Region> changed)
        {
            var rows = changed.Count(r => r.TargetId.StartsWith("job-", StringComparison.Ordinal));
            if (changed.Any(r => r.TargetId == "queue-rows")) return "The list of jobs changed.";
            return rows == 0 ? null : rows == 1 ? "1 job changed." : $"{rows} jobs changed.";
        }
        return TypedResults.ServerSentEvents(LiveStream.RunAsync(RenderAsync, Announce, time, context.RequestAborted));
    }

    private static async Task<IResult> RowAsync(string id, HttpContext context, IJobReader jobs)
    {
        if (!Guid.TryParse(id, out var jobId)) return Message(context, StatusCodes.Status400BadRequest, "Not a job", "The job id must be a UUID.");
        var job = await jobs.GetAsync(jobId, context.RequestAborted);
        if (job is null) return Message(context, StatusCodes.Status404NotFound, "No such job", $"There is no job {jobId}.");
        var returnUrl = SignInEndpoints.Local(context.Request.Query["return_url"].ToString());
        return new RazorComponentResult<JobRow>(new { Job = job, Shell = Shell.For(context), ReturnUrl = returnUrl });
    }

    private static async Task<IResult> ConfirmAsync(string id, string action, HttpContext context, IJobReader jobs)
    {
        if (action is not (JobActionNames.Retry or JobActionNames.Requeue or JobActionNames.Cancel))
            return Message(context, StatusCodes.Status404NotFound, "No such action", "The actions are retry, requeue and cancel.");
        if (!Guid.TryParse(id, out var jobId)) return Message(context, StatusCodes.Status400BadRequest, "Not a job", "The job id must be a UUID.");
        var job = await jobs.GetAsync(jobId, context.RequestAborted);
        if (job is null) return Message(context, StatusCodes.Status404NotFound, "No such job", $"There is no job {jobId}.");
        var returnUrl = SignInEndpoints.Local(context.Request.Query["return_url"].ToString());
        var shell = Shell.For(context);
        return IsHtmx(context)
            ? new RazorComponentResult<ConfirmAction>(new { Job = job, Action = action, Shell = shell, ReturnUrl = returnUrl })
            : new RazorComponentResult<ConfirmPage>(new { Job = job, Action = action, Shell = shell, ReturnUrl = returnUrl });
    }

    private static async Task<IResult> ActAsync(string id, string action, HttpContext context, JobService jobs)
    {
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var returnUrl = SignInEndpoints.Local(form["return_url"].ToString());
        if (!Guid.TryParse(id, out var jobId)) return Message(context, StatusCodes.Status400BadRequest, "Not a job", "The job id must be a UUID.");
        var outcome = action switch
        {
            JobActionNames.Retry => await jobs.RetryAsNewAsync(jobId, null, RequestAudit.For(context, AuditActions.JobRetryAsNew), context.RequestAborted),
            JobActionNames.Requeue => await jobs.RequeueAsync(jobId, RequestAudit.For(context, AuditActions.JobRequeue), context.RequestAborted),
            _ => await jobs.CancelAsync(jobId, RequestAudit.For(context, AuditActions.JobCancel), context.RequestAborted),
        };
        var reader = context.RequestServices.GetRequiredService<IJobReader>();
        var job = await reader.GetAsync(jobId, context.RequestAborted);
        if (job is null) return Message(context, StatusCodes.Status404NotFound, "No such job", $"There is no job {jobId}.");
        var sentence = outcome.Kind switch
        {
            OutcomeKind.Created or OutcomeKind.Done => $"Job {JobIds.Short(job.Id)} {JobActionNames.Done(action)}." +
                (action == JobActionNames.Retry && outcome.Value is { } retry ? $" The new job is {JobIds.Short(retry.Id)}." : ""),
            OutcomeKind.Unchanged => $"Job {JobIds.Short(job.Id)} was already {JobActionNames.Done(action)}; nothing changed.",
            _ => $"Job {JobIds.Short(job.Id)} was not {JobActionNames.Done(action)}: {outcome.Detail}",
        };
        var status = outcome.Succeeded ? StatusCodes.Status200OK : StatusCodes.Status409Conflict;
        if (!IsHtmx(context))
            return outcome.Succeeded ? TypedResults.Redirect(returnUrl) : Message(context, status, "Not done", sentence);
        // htmx swaps the row in place and puts the sentence in the page's status region; a refusal swaps too (hx-status default).
        return new RazorComponentResult<RowWithNotice>(new { Job = job, Shell = Shell.For(context), ReturnUrl = returnUrl, Notice = sentence });
    }

    private static async Task<IResult> CreateAsync(HttpContext context, JobService jobs, QueueLoader loader)
    {
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var values = new[] { "type", "priority", "max_attempts", "dataset", "source_uri", "metadata" }
            .ToDictionary(n => n, n => form[n].ToString().Trim(), StringComparer.Ordinal);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        int? Number(string name)
        {
            if (values[name].Length == 0) return null;
            if (int.TryParse(values[name], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)) return n;
            errors[name] = ["Must be a whole number."];
            return null;
        }
        JsonElement? metadata = null;
        if (values["metadata"].Length > 0)
        {
            try
            {
                using var document = JsonDocument.Parse(values["metadata"], new JsonDocumentOptions { MaxDepth = 64 });
                if (document.RootElement.ValueKind == JsonValueKind.Object) metadata = document.RootElement.Clone();
                else errors["metadata"] = ["Must be a JSON object, like {\"seconds\": 5}."];
            }
            catch (JsonException)
            {
                errors["metadata"] = ["Must be a JSON object, like {\"seconds\": 5}."];
            }
        }
        var request = new JobCreateRequest
        {
            Type = values["type"].Length == 0 ? null : values["type"],
            Priority = Number("priority"),
            MaxAttempts = Number("max_attempts"),
            Dataset = values["dataset"].Length == 0 ? null : values["dataset"],
            SourceUri = values["source_uri"].Length == 0 ? null : values["source_uri"],
            Metadata = metadata,
        };
        Outcome<Job>? outcome = null;
        if (errors.Count == 0)
        {
            outcome = await jobs.CreateAsync(request, null, RequestAudit.For(context, AuditActions.JobCreate), context.RequestAborted);
            if (outcome.Succeeded) return TypedResults.Redirect($"/jobs/{outcome.Value!.Id}");
            foreach (var (field, messages) in outcome.Errors ?? new Dictionary<string, string[]>()) errors[field] = messages;
            if (outcome.Detail is { } detail) errors["job"] = [detail];
        }
        var view = await loader.LoadAsync(QueueFilters.From(new QueryCollection()), context.RequestAborted);
        return new RazorComponentResult<QueuePage>(new { Shell = Shell.For(context), View = view, CreateErrors = errors, CreateValues = values })
        {
            StatusCode = outcome?.Kind == OutcomeKind.Forbidden ? StatusCodes.Status403Forbidden : StatusCodes.Status400BadRequest,
        };
    }

    internal static bool IsHtmx(HttpContext context) => context.Request.Headers["HX-Request"] == "true";

    internal static RazorComponentResult<MessagePage> Message(HttpContext context, int status, string title, string message) =>
        new(new { Title = title, Message = message, Shell = Shell.For(context) }) { StatusCode = status };
}
