using Npgsql;

namespace Conveyor.Storage.Postgres;

/// <summary>
/// The leader row on PostgreSQL (migration 0006, after River's <c>river_leader</c>): one statement claims the row when
/// it is free or expired, or extends it for the node that holds it, and returns whoever leads afterwards. Times come
/// from the <see cref="TimeProvider"/>, like every lease in this store.
/// </summary>
public sealed class PostgresLeaderElection(NpgsqlDataSource dataSource, TimeProvider time) : ILeaderElection
{
    /// <summary>
    /// Insert the row, or on conflict take it over only if it is this node's or has expired; when neither, the row as
    /// it stands. Two nodes electing at once serialize on the row: the second sees the first's term.
    /// </summary>
    public const string Elect = """
        WITH attempt AS (
            INSERT INTO leader (node_id, elected_at, expires_at)
            VALUES (@node_id, @now, @expires_at)
            ON CONFLICT (name) DO UPDATE
            SET node_id = EXCLUDED.node_id,
                elected_at = CASE WHEN leader.node_id = EXCLUDED.node_id THEN leader.elected_at ELSE EXCLUDED.elected_at END,
                expires_at = EXCLUDED.expires_at
            WHERE leader.node_id = EXCLUDED.node_id OR leader.expires_at <= @now
            RETURNING node_id, elected_at, expires_at
        )
        SELECT node_id, elected_at, expires_at FROM attempt
        UNION ALL
        SELECT node_id, elected_at, expires_at FROM leader WHERE NOT EXISTS (SELECT 1 FROM attempt)
        """;

    public const string Resign = "DELETE FROM leader WHERE node_id = @node_id";

    public async Task<LeaderTerm?> ElectAsync(string nodeId, TimeSpan ttl, CancellationToken ct)
    {
        var now = time.GetUtcNow().Truncate();
        await using var command = dataSource.CreateCommand(Elect);
        command.Parameters.AddWithValue("node_id", nodeId);
        command.Parameters.AddWithValue("now", now);
        command.Parameters.AddWithValue("expires_at", now + ttl);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return new LeaderTerm(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetFieldValue<DateTimeOffset>(2));
    }

    public async Task ResignAsync(string nodeId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(Resign);
        command.Parameters.AddWithValue("node_id", nodeId);
        await command.ExecuteNonQueryAsync(ct);
    }
}
