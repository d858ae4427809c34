using Conveyor.Core;
using Microsoft.Data.Sqlite;

namespace Conveyor.Storage.Sqlite;

/// <summary>The columns of <c>audit_events</c>, and the one place a row becomes an <see cref="AuditEvent"/>.</summary>
internal static class SqliteAuditRows
{
    public const string Columns = "seq, id, at, actor, role, action, target, outcome, request_id, remote_ip, details, prev_hash, hash";

    public static async Task<List<AuditEvent>> ReadAsync(SqliteCommand command, CancellationToken ct)
    {
        var events = new List<AuditEvent>();
        await using var r = await command.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            events.Add(new AuditEvent(r.GetInt64(0), Guid.Parse(r.GetString(1)), Microseconds.FromUnixTimeMicroseconds(r.GetInt64(2)),
                r.GetString(3), r.GetString(4), r.GetString(5), SqliteRows.Text(r, 6), r.GetString(7), SqliteRows.Text(r, 8),
                SqliteRows.Text(r, 9), r.GetString(10), r.GetString(11), r.GetString(12)));
        }
        return events;
    }
}
