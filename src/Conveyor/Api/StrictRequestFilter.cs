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
    public static EndpointFilterDelegate Create(EndpointFilterFactoryContext factory, EndpointFilterDelegate next) => async invocation =>
    {
        var http = invocation.HttpContext;
        var metadata = http.GetEndpoint()?.Metadata;
        var allowed = metadata?.GetMetadata<QueryParameters>() ?? QueryParameters.None;
        var errors = Check(http.Request, allowed);
        if (errors is null) return await next(invocation);
        if (metadata?.GetMetadata<AuditActionMetadata>() is { } audited) await AuditedFilter.RejectAsync(http, audited.Action);
        return Problems.Validation(errors);
    };

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
