using System.Globalization;
using Conveyor.Api;
using Conveyor.Auth;
using Conveyor.Storage;

namespace Conveyor.Api.V1;

/// <summary><c>GET /api/v1/audit</c>: the audit log, newest first, filtered by action, actor, target, from and to (admin).</summary>
public static class AuditEndpoints
{
    public const int MaxLimit = 200;

    public static RouteHandlerBuilder MapAuditV1(this IEndpointRouteBuilder routes) =>
        routes.MapGet("/api/v1/audit", ListAsync)
            .RequireAuthorization(Policies.Admin)
            .AllowQuery("action", "actor", "target", "from", "to", "limit", "cursor")
            .WithTags("Audit")
            .WithName("ListAudit")
            .WithSummary("The audit log, newest first")
            .WithDescription("Filters: action, actor, target (exact), from and to (RFC 3339, from inclusive, to exclusive); limit (≤ 200); " +
                "follow next_cursor (the cursor parameter) for older events.")
            .Produces<AuditListResource>()
            .ProducesValidationProblem();

    private static async Task<IResult> ListAsync(HttpContext context, IAuditReader store, CancellationToken ct)
    {
        var q = context.Request.Query;
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        DateTimeOffset? Time(string name)
        {
            var text = q[name].ToString();
            if (text.Length == 0) return null;
            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)) return at.ToUniversalTime();
            errors[name] = ["Must be an RFC 3339 timestamp."];
            return null;
        }
        string? Text(string name)
        {
            var text = q[name].ToString();
            if (text.Length > 200) errors[name] = ["At most 200 characters."];
            return text.Length == 0 ? null : text;
        }
        var limit = 50;
        if (q["limit"].ToString() is { Length: > 0 } l && (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
            errors["limit"] = [$"Must be 1-{MaxLimit}."];
        long? before = null;
        if (q["cursor"].ToString() is { Length: > 0 } c)
        {
            if (long.TryParse(c, NumberStyles.None, CultureInfo.InvariantCulture, out var seq) && seq > 0) before = seq;
            else errors["cursor"] = ["Not a cursor this API returned."];
        }
        var query = new AuditQuery
        {
            Action = Text("action"), Actor = Text("actor"), Target = Text("target"), From = Time("from"), To = Time("to"),
            BeforeSeq = before, Limit = limit + 1,
        };
        if (errors.Count > 0) return Problems.Validation(errors);

        var rows = await store.ListAuditAsync(query, ct);
        var page = rows.Take(limit).Select(AuditEventResource.From).ToList();
        var next = rows.Count > limit ? page[^1].Seq.ToString(CultureInfo.InvariantCulture) : null;
        return TypedResults.Ok(new AuditListResource(page, next));
    }
}
