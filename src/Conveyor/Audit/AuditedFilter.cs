using Conveyor.Storage;

namespace Conveyor.Audit;

/// <summary>
/// On a mutating endpoint: when the handler refused the request before reaching the store (a bad id or body), writes
/// the one audit event with outcome <c>rejected</c>, so every mutating request leaves exactly one.
/// </summary>
public sealed class AuditedFilter(string action) : IEndpointFilter
{
    public string Action { get; } = action;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var http = invocation.HttpContext;
        var result = await next(invocation);
        if (!RequestAudit.WasUsed(http))
        {
            var store = http.RequestServices.GetRequiredService<IAuditLog>();
            var target = http.Request.RouteValues.TryGetValue("id", out var id) ? Truncate(id?.ToString()) : null;
            await store.AppendAuditAsync(RequestAudit.For(http, Action), target, AuditOutcomes.Rejected, http.RequestAborted);
        }
        return result;
    }

    private static string? Truncate(string? value) => value is { Length: > 100 } ? value[..100] : value;
}

/// <summary>Marks a mutating endpoint with its audit action.</summary>
public static class AuditedEndpoints
{
    public static TBuilder Audited<TBuilder>(this TBuilder builder, string action) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(new AuditedFilter(action)).WithMetadata(new AuditActionMetadata(action));
}

/// <summary>The audit action an endpoint records (for tests and docs).</summary>
public sealed record AuditActionMetadata(string Action);
