namespace Conveyor.Core;

/// <summary>The first link of the audit chain that does not hold: which event, and why.</summary>
public sealed record AuditBreak(long Seq, Guid Id, string Reason)
{
    public override string ToString() => $"audit event {Seq} ({Id}): {Reason}";
}
