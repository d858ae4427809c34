using System.Security.Cryptography;
using System.Text.Json;

namespace Conveyor.Core;

/// <summary>
/// The audit log's hash chain, shared by every driver: each event's hash is SHA-256 over a canonical
/// serialization of its fields and the previous event's hash, so a changed, removed or inserted row shows.
/// </summary>
public static class AuditChain
{
    /// <summary>The <c>prev_hash</c> of the first event.</summary>
    public static readonly string Genesis = new('0', 64);

    /// <summary>The next event after (<paramref name="prevSeq"/>, <paramref name="prevHash"/>), hashed.</summary>
    public static AuditEvent Link(long prevSeq, string prevHash, AuditContext audit, DateTimeOffset at, string? target, string outcome)
    {
        var draft = new AuditEvent(prevSeq + 1, audit.Id, Truncate(at), audit.Actor, audit.Role, audit.Action, target, outcome,
            audit.RequestId, audit.RemoteIp, audit.Details, prevHash, string.Empty);
        return draft with { Hash = HashOf(draft) };
    }

    /// <summary>
    /// A JSON array in a fixed order (seq, id, at as Unix microseconds, actor, role, action, target, outcome,
    /// request_id, remote_ip, details as stored text, prev_hash): JSON's escaping makes field boundaries unambiguous.
    /// </summary>
    public static string HashOf(AuditEvent e)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartArray();
            w.WriteNumberValue(e.Seq);
            w.WriteStringValue(e.Id.ToString("D"));
            w.WriteNumberValue(UnixMicroseconds(e.At));
            w.WriteStringValue(e.Actor);
            w.WriteStringValue(e.Role);
            w.WriteStringValue(e.Action);
            w.WriteStringValue(e.Target);
            w.WriteStringValue(e.Outcome);
            w.WriteStringValue(e.RequestId);
            w.WriteStringValue(e.RemoteIp);
            w.WriteStringValue(e.Details);
            w.WriteStringValue(e.PrevHash);
            w.WriteEndArray();
        }
        return Convert.ToHexStringLower(SHA256.HashData(buffer.ToArray()));
    }

    private static long UnixMicroseconds(DateTimeOffset at) => (at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    /// <summary>Drops sub-microsecond ticks: the stored <c>at</c> keeps microseconds, and the hash covers what is stored.</summary>
    private static DateTimeOffset Truncate(DateTimeOffset at) =>
        new(DateTimeOffset.UnixEpoch.UtcTicks + UnixMicroseconds(at) * 10, TimeSpan.Zero);

    /// <summary>Walks events in <c>seq</c> order; the first broken link, or null when the chain holds.</summary>
    public static AuditBreak? Verify(IEnumerable<AuditEvent> events) => Verify(events, 0, Genesis);

    /// <summary>Walks events that should follow event <paramref name="prevSeq"/> whose hash is <paramref name="prevHash"/>.</summary>
    public static AuditBreak? Verify(IEnumerable<AuditEvent> events, long prevSeq, string prevHash)
    {
        foreach (var e in events)
        {
            if (e.Seq != prevSeq + 1)
                return new AuditBreak(e.Seq, e.Id, $"expected event {prevSeq + 1} next but found {e.Seq} (a row was removed or inserted)");
            if (!string.Equals(e.PrevHash, prevHash, StringComparison.Ordinal))
                return new AuditBreak(e.Seq, e.Id, $"its prev_hash does not match the hash of event {prevSeq}");
            if (!string.Equals(HashOf(e), e.Hash, StringComparison.Ordinal))
                return new AuditBreak(e.Seq, e.Id, "its hash does not match its content (the row was changed)");
            prevSeq = e.Seq;
            prevHash = e.Hash;
        }
        return null;
    }
}
