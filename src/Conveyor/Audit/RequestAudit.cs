using Conveyor.Auth;
using Conveyor.Core;
using Conveyor.Storage;

namespace Conveyor.Audit;

/// <summary>
/// Builds the <see cref="AuditContext"/> of a request (actor, role, request id, client address) and remembers that
/// the request used it, so <see cref="AuditedFilter"/> can write a <c>rejected</c> event for a request the store never saw.
/// </summary>
public static class RequestAudit
{
    private sealed class Used;

    /// <summary>The context for <paramref name="action"/> on behalf of the caller; the store writes its event.</summary>
    public static AuditContext For(HttpContext context, string action, string details = "{}")
    {
        context.Items[typeof(Used)] = true;
        return new AuditContext(Caller.Actor(context), Caller.Role(context), action)
        {
            RequestId = context.TraceIdentifier,
            RemoteIp = Caller.RemoteIp(context),
            Details = details,
        };
    }

    public static bool WasUsed(HttpContext context) => context.Items.ContainsKey(typeof(Used));
}
