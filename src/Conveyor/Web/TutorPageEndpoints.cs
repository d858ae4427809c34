using System.Text;
using Conveyor.Api.Seeds;
using Conveyor.Api.V1.Ingestion;
using Conveyor.Application;
using Conveyor.Audit;
using Conveyor.Auth;
using Conveyor.Core;
using Conveyor.Ingestion;
using Conveyor.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace Conveyor.Web;

/// <summary>
/// <c>/tutor/courses/{courseId}</c> (seed 001): a course's tabs. Sessions: one badge per session (SPEC §5), live over
/// Server-Sent Events with polling as the fallback, and for submitters a form that adds a session (captions or audio
/// uploaded, or a transcript pasted) through the same <see cref="SessionService"/> as <c>POST /ingest/session</c>.
/// Summaries: what the Ready sessions say.
/// </summary>
public static class TutorPageEndpoints
{
    public const int PageSize = 50;

    public static void MapTutorPages(this IEndpointRouteBuilder routes)
    {
        var limits = routes.ServiceProvider.GetRequiredService<IOptions<UploadOptions>>().Value;
        routes.MapGet("/tutor/courses/{courseId}", (string courseId, HttpContext c, ISessionStore s) => PageAsync(courseId, TutorTab.Sessions, c, s))
            .RequireAuthorization(Policies.Viewer);
        routes.MapGet("/tutor/courses/{courseId}/summaries", (string courseId, HttpContext c, ISessionStore s) => PageAsync(courseId, TutorTab.Summaries, c, s))
            .RequireAuthorization(Policies.Viewer);
        routes.MapGet("/tutor/courses/{courseId}/live", Live).RequireAuthorization(Policies.Viewer);
        routes.MapGet("/tutor/courses/{courseId}/rows", RowsAsync).RequireAuthorization(Policies.Viewer);
        // The form is read (and buffered) before the handler, for its antiforgery token: it may be as large as one upload.
        routes.MapPost("/tutor/courses/{courseId}/sessions", AddAsync).RequireAuthorization(Policies.Submitter).Audited(AuditActions.SessionCreate)
            .WithFormOptions(multipartBodyLengthLimit: limits.MaxFileBytes + FormSlack)
            .WithMetadata(new BodySizeLimit(limits.MaxFileBytes + FormSlack))
            .FormPost();
    }

    /// <summary>Room for the form's other fields and the multipart framing around the one file.</summary>
    private const long FormSlack = 1 << 20;

    /// <summary>A course id as the sessions API takes it: 1-200 characters, nothing that would not show.</summary>
    public static string? CourseIdError(string courseId) =>
        courseId.Length is 0 or > SessionService.MaxCourseIdLength ? $"A course id is 1-{SessionService.MaxCourseIdLength} characters."
        : courseId.Any(DisplayText.IsUnsafe) ? "A course id has no control or format characters." : null;

    private static async Task<(TutorView? View, IResult? Refusal)> LoadAsync(string courseId, HttpContext context, ISessionStore sessions,
        IQueryCollection query, CancellationToken ct)
    {
        if (CourseIdError(courseId) is { } error) return (null, QueueEndpoints.Message(context, StatusCodes.Status400BadRequest, "Not a course", error));
        SessionCursor? after = null;
        var cursor = query["cursor"].ToString();
        if (cursor.Length > 0)
        {
            if (!SessionCursor.TryDecode(cursor, out var decoded))
                return (null, QueueEndpoints.Message(context, StatusCodes.Status400BadRequest, "Not a page", "That page link is not one this server gave; open the course again."));
            after = decoded;
        }
        var page = await sessions.ListSessionsAsync(new SessionQuery(courseId, Limit: PageSize, After: after), ct);
        return (new TutorView(courseId, page.Items, page.Next, cursor.Length > 0 ? cursor : null), null);
    }

    private static async Task<IResult> PageAsync(string courseId, TutorTab tab, HttpContext context, ISessionStore sessions)
    {
        var (view, refusal) = await LoadAsync(courseId, context, sessions, context.Request.Query, context.RequestAborted);
        if (refusal is not null) return refusal;
        string? notice = null;
        if (Guid.TryParse(context.Request.Query["added"], out var added) && view!.Sessions.FirstOrDefault(s => s.Id == added) is { } session)
            notice = $"Session “{session.Title}” was added: it is {SessionBadge.Of(session.Jobs).Label}.";
        return new RazorComponentResult<TutorPage>(new { Shell = Shell.For(context), View = view, Tab = tab, Notice = notice });
    }

    /// <summary>The session rows alone: what the page polls while its live stream is down.</summary>
    private static async Task<IResult> RowsAsync(string courseId, HttpContext context, ISessionStore sessions)
    {
        var (view, refusal) = await LoadAsync(courseId, context, sessions, context.Request.Query, context.RequestAborted);
        return refusal ?? new RazorComponentResult<SessionRows>(new { View = view });
    }

    private static async Task<IResult> Live(string courseId, HttpContext context, ISessionStore sessions, FragmentRenderer renderer, TimeProvider time)
    {
        if (!LiveStream.Accepts(context.Request)) return LiveStream.NotAStream();
        var query = context.Request.Query;
        var (_, refusal) = await LoadAsync(courseId, context, sessions, query, context.RequestAborted);
        if (refusal is not null) return refusal;
        Dictionary<Guid, string>? badges = null;
        string? announcement = null;
        async Task<IReadOnlyList<LiveStream.Region>> RenderAsync(CancellationToken ct)
        {
            var (view, _) = await LoadAsync(courseId, context, sessions, query, ct);
            var now = view!.Sessions.ToDictionary(s => s.Id, s => SessionBadge.Of(s.Jobs).Label);
            announcement = badges is null ? null : Announcement(view, badges, now);
            badges = now;
            return [new("session-rows", await renderer.RenderAsync<SessionRows>(new Dictionary<string, object?> { ["View"] = view }))];
        }
        return TypedResults.ServerSentEvents(LiveStream.RunAsync(RenderAsync, _ => announcement, time, context.RequestAborted));
    }

    /// <summary>What the status region says when badges change: each session whose badge moved, with its new badge.</summary>
    private static string? Announcement(TutorView view, Dictionary<Guid, string> before, Dictionary<Guid, string> now)
    {
        var moved = view.Sessions.Where(s => !before.TryGetValue(s.Id, out var was) || was != now[s.Id])
            .Select(s => $"“{s.Title}” is {now[s.Id]}.").ToList();
        return moved.Count switch
        {
            0 => before.Count != now.Count ? "The list of sessions changed." : null,
            <= 3 => string.Join(" ", moved),
            _ => $"{moved.Count} sessions changed.",
        };
    }

    private static async Task<IResult> AddAsync(string courseId, HttpContext context, SessionService service, ISessionStore sessions,
        StorageRoot root, IOptions<UploadOptions> options)
    {
        var ct = context.RequestAborted;
        if (CourseIdError(courseId) is { } bad) return QueueEndpoints.Message(context, StatusCodes.Status400BadRequest, "Not a course", bad);
        var form = await context.Request.ReadFormAsync(ct);
        var title = form["title"].ToString();
        var transcript = form["transcript"].ToString();
        // A file input with nothing chosen still sends an empty part.
        var upload = form.Files.GetFile("file") is { Length: > 0 } chosen ? chosen : null;
        var values = new Dictionary<string, string>(StringComparer.Ordinal) { ["title"] = title, ["transcript"] = transcript };
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var status = StatusCodes.Status400BadRequest;
        var pasted = !string.IsNullOrWhiteSpace(transcript);
        if (upload is not null && pasted) errors["source"] = ["Give a file or a transcript, not both."];
        else if (upload is null && !pasted) errors["source"] = ["Choose a captions or audio file, or paste a transcript."];

        if (errors.Count == 0)
        {
            ReceivedFile? file = null;
            try
            {
                var limit = options.Value.MaxFileBytes;
                if (upload is not null)
                {
                    await using var stream = upload.OpenReadStream();
                    file = await FileReceiver.ReceiveAsync(stream, root, FileNames.Sanitize(upload.FileName), limit, SessionIngestEndpoints.Refuse, ct);
                    file = file with { ClientName = MultipartForm.DisplayName(upload.FileName) };
                }
                else
                {
                    using var text = new MemoryStream(Encoding.UTF8.GetBytes(transcript));
                    file = await FileReceiver.ReceiveAsync(text, root, SessionIngestEndpoints.InlineName, limit, SessionIngestEndpoints.Refuse, ct);
                }
                var outcome = await service.CreateAsync(new SessionRequest(courseId, title, file, InlineTranscript: upload is null, SourceUri: null),
                    RequestAudit.For(context, AuditActions.SessionCreate), ct);
                if (outcome.Succeeded)
                    return TypedResults.Redirect($"/tutor/courses/{Uri.EscapeDataString(courseId)}?added={outcome.Value.Session.Id}");
                FileReceiver.Remove(file.Directory);
                foreach (var (field, messages) in outcome.Errors ?? new Dictionary<string, string[]>()) errors[field] = messages;
                if (errors.Count == 0) errors["session"] = [outcome.Detail ?? "The session was not added."];
            }
            catch (UploadRejectedException e)
            {
                if (file is not null) FileReceiver.Remove(file.Directory);
                errors["file"] = [e.Message];
                status = e.Status;
            }
        }

        var (view, refusal) = await LoadAsync(courseId, context, sessions, new QueryCollection(), ct);
        if (refusal is not null) return refusal;
        return new RazorComponentResult<TutorPage>(new { Shell = Shell.For(context), View = view, Tab = TutorTab.Sessions, AddErrors = errors, AddValues = values })
        {
            StatusCode = status,
        };
    }

    /// <summary>The request body limit of one endpoint (the server's default is 30 MB).</summary>
    private sealed record BodySizeLimit(long? MaxRequestBodySize) : IRequestSizeLimitMetadata;
}

/// <summary>The tabs of a course's page.</summary>
public enum TutorTab
{
    Sessions,
    Summaries,
}

/// <summary>A course's page: its id and a page of its sessions, newest first (<see cref="Cursor"/> when not the first page).</summary>
public sealed record TutorView(string CourseId, IReadOnlyList<SessionRecord> Sessions, SessionCursor? Next, string? Cursor)
{
    public string Base => "/tutor/courses/" + Uri.EscapeDataString(CourseId);

    /// <summary>A path under the course's page that keeps this page's position.</summary>
    public string At(string suffix) => Base + suffix + (Cursor is null ? "" : "?cursor=" + Uri.EscapeDataString(Cursor));
}
