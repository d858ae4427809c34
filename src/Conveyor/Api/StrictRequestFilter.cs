using Conveyor.Audit;

namespace Conveyor.Api;

/// <summary>
/// The HTTP edge's checks that every API endpoint shares, in one place (on the root route group): the query string
/// holds only the endpoint's <see cref="QueryParameters"/>, each once, and no query or route value holds a control
/// character (PostgreSQL refuses a NUL in text; nothing needs the others). A refused request on an audited endpoint
/// leaves its one <c>rejected</c> audit event, as every refusal does.
/// </summary>
public static class StrictRequestFilter
{
    public static EndpointFilterDelegate Create(EndpointFilterFactoryContext factory, EndpointFilterDelegate next)
    {
        // The endpoint's metadata never changes: read once, on its first request, not on every one.
        Rules? rules = null;
        return invocation =>
        {
            var http = invocation.HttpContext;
            // The request most requests are, with no query string and plain route values, goes on without an await or
            // an allocation.
            if (!http.Request.QueryString.HasValue && PlainRouteValues(http.Request)) return next(invocation);
            if (rules is null)
            {
                var metadata = http.GetEndpoint()?.Metadata;
                rules = new Rules(metadata?.GetMetadata<QueryParameters>() ?? QueryParameters.None, metadata?.GetMetadata<AuditActionMetadata>());
            }
            return CheckedAsync(invocation, next, rules.Allowed, rules.Audited);
        };
    }

    private sealed record Rules(QueryParameters Allowed, AuditActionMetadata? Audited);

    private static async ValueTask<object?> CheckedAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next,
        QueryParameters allowed, AuditActionMetadata? audited)
    {
        var http = invocation.HttpContext;
        var errors = Check(http.Request, allowed);
        if (errors is null) return await next(invocation);
        if (audited is not null) await AuditedFilter.RejectAsync(http, audited.Action);
        return Problems.Validation(errors);
    }

    private static bool PlainRouteValues(HttpRequest request)
    {
        foreach (var (_, value) in request.RouteValues)
        {
            if (value is string text && HasControl(text)) return false;
        }
        return true;
    }

    /// <summary>What <see cref="char.IsControl(char)"/> finds: U+0000–U+001F and U+007F–U+009F.</summary>
    private static bool HasControl(string text) =>
        text.AsSpan().ContainsAnyInRange('\u0000', '\u001f') || text.AsSpan().ContainsAnyInRange('\u007f', '\u009f');

    private static Dictionary<string, string[]>? Check(HttpRequest request, QueryParameters allowed)
    {
        Dictionary<string, string[]>? errors = null;
        void Add(string field, string message) => (errors ??= new(StringComparer.Ordinal))[Cut(field)] = [message];

        foreach (var (key, values) in request.Query)
        {
            if (!allowed.Names.Contains(key))
                Add(key, allowed.Names.Count == 0 ? "This endpoint takes no query parameters." : $"Unknown query parameter. Known: {string.Join(", ", allowed.Names.Order())}.");
            else if (values.Count > 1 && !allowed.Repeatable.Contains(key))
                Add(key, "Give this parameter once.");
            else if (values.Any(v => v is not null && v.Any(char.IsControl)))
                Add(key, "The value cannot contain control characters.");
        }
        foreach (var (key, value) in request.RouteValues)
        {
            if (value is string text && text.Any(char.IsControl)) Add(key, "The value cannot contain control characters.");
        }
        return errors;
    }

    private static string Cut(string field)
    {
        var clean = new string(field.Where(c => !char.IsControl(c)).ToArray());
        return clean.Length > 100 ? clean[..100] : clean.Length == 0 ? "?" : clean;
    }
}
