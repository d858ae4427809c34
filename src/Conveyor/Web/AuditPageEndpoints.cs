using System.Globalization;
using Conveyor.Auth;
using Conveyor.Core;
using Conveyor.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Conveyor.Web;

/// <summary><c>/admin/audit</c> (admin): the audit log newest first with its filters in the URL, and the chain's verification on request.</summary>
public static class AuditPageEndpoints
{
    public const int PageSize = 50;

    public static void MapAuditPages(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/admin/audit", (HttpContext c, IAuditReader a) => PageAsync(c, a, verify: false)).RequireAuthorization(Policies.Admin);
        routes.MapGet("/admin/audit/verify", (HttpContext c, IAuditReader a) => PageAsync(c, a, verify: true)).RequireAuthorization(Policies.Admin);
    }

    private static async Task<IResult> PageAsync(HttpContext context, IAuditReader audit, bool verify)
    {
        var q = context.Request.Query;
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var filters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in new[] { "action", "actor", "target", "from", "to", "cursor" })
        {
            var value = q[name].ToString().Trim();
            if (value.Length == 0) continue;
            if (value.Length > 200 || value.Any(char.IsControl)) errors[name] = ["At most 200 printable characters."];
            else filters[name] = value;
        }
        DateTimeOffset? Time(string name)
        {
            if (!filters.TryGetValue(name, out var text)) return null;
            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)) return at.ToUniversalTime();
            errors[name] = ["Give a time like 2026-12-01T09:00Z."];
            return null;
        }
        long? before = null;
        if (filters.TryGetValue("cursor", out var c))
        {
            if (long.TryParse(c, NumberStyles.None, CultureInfo.InvariantCulture, out var seq) && seq > 0) before = seq;
            else errors["cursor"] = ["Not a page this log gave."];
        }
        var query = new AuditQuery
        {
            Action = filters.GetValueOrDefault("action"), Actor = filters.GetValueOrDefault("actor"), Target = filters.GetValueOrDefault("target"),
            From = Time("from"), To = Time("to"), BeforeSeq = before, Limit = PageSize + 1,
        };
        IReadOnlyList<AuditEvent> rows = errors.Count > 0 ? [] : await audit.ListAuditAsync(query, context.RequestAborted);
        (long Checked, AuditBreak? Break)? verified = verify ? await AuditVerifier.VerifyAsync(audit.ReadAuditChainAsync, context.RequestAborted) : null;
        return new RazorComponentResult<AuditPage>(new
        {
            Shell = Shell.For(context),
            Events = rows.Take(PageSize).ToList(),
            Older = rows.Count > PageSize ? rows[PageSize - 1].Seq : (long?)null,
            Filters = filters,
            Errors = errors,
            Verified = verified,
        }) { StatusCode = errors.Count > 0 ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK };
    }
}
