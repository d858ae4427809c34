using Conveyor.Core;
using Npgsql;

namespace Conveyor.Storage.Postgres;

/// <summary>The columns of <c>audit_events</c>, and the one place a row becomes an <see cref="AuditEvent"/>.</summary>
internal static class PostgresAuditRows
{
    public const string Columns = "seq, id, at, actor, role, action, target, outcome, request_id, remote_ip, details, prev_hash, hash";

    public static AuditEvent Read(NpgsqlDataReader r) =>
        new(r.GetInt64(0), r.GetGuid(1), PostgresRows.Time(r, 2), r.GetString(3), r.GetString(4), r.GetString(5),
            PostgresRows.Text(r, 6), r.GetString(7), PostgresRows.Text(r, 8), PostgresRows.Text(r, 9), r.GetString(10),
            r.GetString(11), r.GetString(12));
}
