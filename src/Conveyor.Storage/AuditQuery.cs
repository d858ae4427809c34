namespace Conveyor.Storage;

/// <summary>Filters and a keyset page over <c>audit_events</c>, newest first: events with <c>seq</c> below <see cref="BeforeSeq"/>.</summary>
public sealed record AuditQuery
{
    public string? Action { get; init; }
    public string? Actor { get; init; }
    public string? Target { get; init; }
    public DateTimeOffset? From { get; init; }
    public DateTimeOffset? To { get; init; }
    public long? BeforeSeq { get; init; }
    public int Limit { get; init; } = 50;
}
