using Microsoft.Data.Sqlite;

namespace Conveyor.Storage.Sqlite;

/// <summary>The columns of <c>api_keys</c> the driver selects, and the one place they become an <see cref="ApiKeyRecord"/>.</summary>
internal static class SqliteKeyRows
{
    public const string Columns = "id, prefix, hash, name, role, created_at, last_used_at, expires_at, revoked_at";

    public static async Task<List<ApiKeyRecord>> ReadAsync(SqliteCommand command, CancellationToken ct)
    {
        var keys = new List<ApiKeyRecord>();
        await using var r = await command.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            keys.Add(new ApiKeyRecord(Guid.Parse(r.GetString(0)), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4),
                Microseconds.FromUnixTimeMicroseconds(r.GetInt64(5)), SqliteRows.Time(r, 6), SqliteRows.Time(r, 7), SqliteRows.Time(r, 8)));
        }
        return keys;
    }
}
