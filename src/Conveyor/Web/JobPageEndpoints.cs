using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Conveyor.Application;
using Conveyor.Auth;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Conveyor.Web;

/// <summary><c>/jobs/{id}</c>: one job's status, progress, error, detection, rows, failed lines and timeline, live.</summary>
public static class JobPageEndpoints
{
    public static void MapJobPages(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/jobs/{id}", PageAsync).RequireAuthorization(Policies.Viewer);
        routes.MapGet("/jobs/{id}/live", Live).RequireAuthorization(Policies.Viewer);
    }

    private static async Task<IResult> PageAsync(string id, HttpContext context, JobLoader loader)
    {
        if (!Guid.TryParse(id, out var jobId)) return QueueEndpoints.Message(context, StatusCodes.Status400BadRequest, "Not a job", "The job id must be a UUID.");
        var view = await loader.LoadAsync(jobId, full: true, context.RequestAborted);
        if (view is null) return QueueEndpoints.Message(context, StatusCodes.Status404NotFound, "No such job", $"There is no job {jobId}.");
        return new RazorComponentResult<JobDetailPage>(new { Shell = Shell.For(context), View = view, Keep = loader.LogKeep });
    }

    private static IResult Live(string id, HttpContext context, JobLoader loader, FragmentRenderer renderer, JobFeed feed, TimeProvider time)
    {
        if (!LiveStream.Accepts(context.Request)) return LiveStream.NotAStream();
        if (!Guid.TryParse(id, out var jobId)) return QueueEndpoints.Message(context, StatusCodes.Status400BadRequest, "Not a job", "The job id must be a UUID.");
        var shell = Shell.For(context);
        var ticks = new JobPageTicks(feed, time, jobId);
        // The log as the page has it: only lines after the last one seen are read, and the newest Keep kept, as the store does.
        var log = new List<Storage.JobLogLine>();
        async Task<IReadOnlyList<LiveStream.Region>> RenderAsync(CancellationToken ct)
        {
            var view = await loader.LoadAsync(jobId, full: false, ct);
            if (view is null) return [];
            ticks.Saw(view.Job.Status);
            log.AddRange(await loader.ReadLogAsync(jobId, log.Count > 0 ? log[^1].Seq : 0, ct));
            if (log.Count > loader.LogKeep) log.RemoveRange(0, log.Count - loader.LogKeep);
            return
            [
                new("job-log", await renderer.RenderAsync<JobLog>(new Dictionary<string, object?> { ["Lines"] = log.ToList(), ["Keep"] = loader.LogKeep })),
                new("job-summary", await renderer.RenderAsync<JobSummary>(new Dictionary<string, object?> { ["View"] = view })),
                new("job-events", await renderer.RenderAsync<JobTimeline>(new Dictionary<string, object?>
                {
                    ["Events"] = view.Events, ["JobId"] = jobId, ["CanSeeAudit"] = shell.Can(Roles.Admin),
                })),
            ];
        }
        static string? Announce(IReadOnlyList<LiveStream.Region> changed) =>
            changed.Any(r => r.TargetId == "job-events") ? "The job's status changed." : null;
        return TypedResults.ServerSentEvents(StreamAsync(ticks, RenderAsync, Announce, context.RequestAborted));
    }

    private static async IAsyncEnumerable<SseItem<string>> StreamAsync(JobPageTicks ticks,
        Func<CancellationToken, Task<IReadOnlyList<LiveStream.Region>>> render, Func<IReadOnlyList<LiveStream.Region>, string?> announce,
        [EnumeratorCancellation] CancellationToken ct)
    {
        // Disposed however the stream ends, so the feed forgets the page.
        await using var _ = ticks;
        await foreach (var item in LiveStream.RunAsync(render, announce, ticks.WaitAsync, ct)) yield return item;
    }
}
