using Npgsql;

namespace Conveyor.Storage.Postgres;

/// <summary>The columns of <c>api_keys</c> the driver selects, and the one place they become an <see cref="ApiKeyRecord"/>.</summary>
internal static class PostgresKeyRows
{
    public const string Columns = "id, prefix, hash, name, role, created_at, last_used_at, expires_at, revoked_at";

    public static ApiKeyRecord Read(NpgsqlDataReader r) =>
        new(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), PostgresRows.Time(r, 5),
            PostgresRows.NullableTime(r, 6), PostgresRows.NullableTime(r, 7), PostgresRows.NullableTime(r, 8));
}
