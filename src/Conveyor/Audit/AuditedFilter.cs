using Conveyor.Storage;

namespace Conveyor.Audit;

/// <summary>
/// On a mutating endpoint: when the handler refused the request before reaching the store (a bad id or body), writes
/// the one audit event with outcome <c>rejected</c>, so every mutating request leaves exactly one. A request body the
/// server could not read (cut short, too large) is refused here too, with its 4xx, rather than becoming a 500.
/// </summary>
public sealed class AuditedFilter(string action) : IEndpointFilter
{
    public string Action { get; } = action;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var http = invocation.HttpContext;
        object? result;
        try
        {
            result = await next(invocation);
        }
        catch (BadHttpRequestException e) when (!RequestAudit.WasUsed(http))
        {
            // The problem's detail is filled in where every problem's is (ConveyorHost's CustomizeProblemDetails).
            result = TypedResults.Problem(statusCode: e.StatusCode);
        }
        if (!RequestAudit.WasUsed(http)) await RejectAsync(http, Action);
        return result;
    }

    /// <summary>Writes the <c>rejected</c> event of a request refused before it reached the store.</summary>
    public static async Task RejectAsync(HttpContext http, string action)
    {
        var store = http.RequestServices.GetRequiredService<IAuditLog>();
        var target = http.Request.RouteValues.TryGetValue("id", out var id) ? Truncate(id?.ToString()) : null;
        await store.AppendAuditAsync(RequestAudit.For(http, action), target, AuditOutcomes.Rejected, http.RequestAborted);
    }

    private static string? Truncate(string? value)
    {
        if (value is null) return null;
        value = new string(value.Where(c => !char.IsControl(c) && !char.IsSurrogate(c)).ToArray());
        return value.Length > 100 ? value[..100] : value;
    }
}

/// <summary>Marks a mutating endpoint with its audit action.</summary>
public static class AuditedEndpoints
{
    public static TBuilder Audited<TBuilder>(this TBuilder builder, string action) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(new AuditedFilter(action)).WithMetadata(new AuditActionMetadata(action));
}

/// <summary>The audit action an endpoint records (for tests and docs).</summary>
public sealed record AuditActionMetadata(string Action);
