using System.Collections.Concurrent;
using System.Text.Json;
using Conveyor.Core;
using Conveyor.Storage;
using Microsoft.Extensions.Options;

namespace Conveyor.Auth;

/// <summary>
/// Counts refused requests (401, 403, 429) per client address and actor, and writes one <c>auth.denied</c> audit event
/// per pair per flush interval with the count: a flood of guesses becomes a handful of rows, not millions.
/// </summary>
public sealed class AuthDenials(IAuditLog audit, TimeProvider time, IOptions<AuthOptions> options, ILogger<AuthDenials> logger)
    : PeriodicFlusher(time)
{
    private ConcurrentDictionary<(string Address, string Actor), Tally> _open = new();

    private sealed class Tally(DateTimeOffset first)
    {
        public long Count;
        public DateTimeOffset First { get; } = first;
        public ConcurrentDictionary<string, long> Reasons { get; } = new(StringComparer.Ordinal);
        public string? RequestId;
    }

    public void Record(HttpContext context, string reason)
    {
        var address = Caller.RemoteIp(context) ?? "unknown";
        var actor = context.User.Identity?.IsAuthenticated == true ? Caller.Actor(context) : "anonymous";
        var tally = _open.GetOrAdd((address, actor), _ => new Tally(Time.GetUtcNow()));
        Interlocked.Increment(ref tally.Count);
        tally.Reasons.AddOrUpdate(reason, 1, (_, n) => n + 1);
        tally.RequestId ??= context.TraceIdentifier;
    }

    protected override TimeSpan Interval => TimeSpan.FromSeconds(options.Value.DeniedFlushSeconds);

    /// <summary>Writes what was counted since the last flush.</summary>
    public override async Task FlushAsync(CancellationToken ct)
    {
        var closed = Interlocked.Exchange(ref _open, new());
        foreach (var ((address, actor), tally) in closed)
        {
            var details = JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["count"] = Interlocked.Read(ref tally.Count),
                ["since"] = tally.First.UtcDateTime.ToString("O"),
                ["reasons"] = tally.Reasons.OrderBy(r => r.Key, StringComparer.Ordinal).ToDictionary(r => r.Key, r => r.Value),
            });
            var role = actor == "anonymous" ? "none" : "unknown";
            var context = new AuditContext(actor, role, "auth.denied") { RemoteIp = address, RequestId = tally.RequestId, Details = details };
            try
            {
                await audit.AppendAuditAsync(context, null, AuditOutcomes.Denied, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Could not write the auth.denied audit event for {Address}", address);
            }
        }
    }
}
