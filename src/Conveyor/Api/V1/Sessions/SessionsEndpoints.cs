using Conveyor.Auth;
using Conveyor.Storage;

namespace Conveyor.Api.V1.Sessions;

/// <summary>
/// The sessions of the canonical API (SPEC §5): <c>GET /api/v1/sessions</c> (a course's or all, newest first, keyset
/// paging) and <c>GET /api/v1/sessions/{id}</c> with the badge, jobs, transcript and summary. Viewer+.
/// </summary>
public static class SessionsEndpoints
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;

    public static RouteGroupBuilder MapSessionsV1(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup(SessionLinks.Base).WithTags("Sessions");

        group.MapGet("/", ListAsync)
            .RequireAuthorization(Policies.Viewer)
            .AllowQuery("course_id", "synthetic", "limit", "cursor")
            .WithName("ListSessions")
            .WithSummary("List sessions with their badge, jobs and summary, newest first")
            .WithDescription("Filters: course_id, synthetic (true or false); limit 1-100 (default 20); cursor from next_cursor. " +
                "Items are the session resource without transcript.")
            .Produces<SessionListResource>()
            .ProducesValidationProblem();

        group.MapGet("/{id}", GetAsync)
            .RequireAuthorization(Policies.Viewer)
            .WithName("GetSession")
            .WithSummary("Get a session with its badge, jobs, transcript and summary")
            .WithDescription("transcript and summary are null until their job has succeeded.")
            .Produces<SessionResource>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        return group;
    }

    private static async Task<IResult> ListAsync(ISessionStore sessions, string? course_id, string? synthetic, string? limit, string? cursor,
        CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var size = DefaultLimit;
        if (limit is not null && !(int.TryParse(limit, out size) && size is >= 1 and <= MaxLimit))
            errors["limit"] = [$"Must be an integer from 1 to {MaxLimit}."];
        bool? onlySynthetic = null;
        if (synthetic is not null)
        {
            if (bool.TryParse(synthetic, out var flag)) onlySynthetic = flag;
            else errors["synthetic"] = ["Must be true or false."];
        }
        SessionCursor? after = null;
        if (cursor is not null)
        {
            if (SessionCursor.TryDecode(cursor, out var decoded)) after = decoded;
            else errors["cursor"] = ["Not a cursor this server gave; use next_cursor of the previous page."];
        }
        if (course_id is { Length: 0 or > Application.SessionService.MaxCourseIdLength })
            errors["course_id"] = [$"Must be 1-{Application.SessionService.MaxCourseIdLength} characters."];
        if (errors.Count > 0) return Problems.Validation(errors);

        var page = await sessions.ListSessionsAsync(new SessionQuery(course_id, onlySynthetic, size, after), ct);
        return TypedResults.Ok(new SessionListResource(page.Items.Select(SessionListItemResource.From).ToList(), size, page.Next?.Encode()));
    }

    private static async Task<IResult> GetAsync(string id, ISessionStore sessions, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var sessionId)) return Problems.Validation("id", "The session id must be a UUID.");
        return await sessions.GetSessionAsync(sessionId, ct) is { } session
            ? TypedResults.Ok(SessionResource.From(session))
            : Problems.NotFound($"Session {sessionId}");
    }
}
