using System.Text.Json;
using Conveyor.Core;

namespace Conveyor.Storage.Sqlite;

/// <summary>The sessions pipeline's reads and its one write (through the orchestration); see <see cref="SessionReads"/>.</summary>
public sealed partial class SqliteJobStore
{
    private const string SessionRowColumns = "id, course_id, title, synthetic, created_by, created_at";

    private const string SelectSessions = $"""
        SELECT {SessionRowColumns} FROM sessions
        WHERE (@id IS NULL OR id = @id)
          AND (@course_id IS NULL OR course_id = @course_id)
          AND (@synthetic IS NULL OR synthetic = @synthetic)
          AND (@after_at IS NULL OR (created_at, id) < (@after_at, @after_id))
        ORDER BY created_at DESC, id DESC
        LIMIT @limit
        """;

    /// <summary>The ids arrive as one JSON array (SQLite has no array parameters).</summary>
    private const string SelectSessionJobs = $"SELECT {JobColumns.All} FROM jobs WHERE session_id IN (SELECT value FROM json_each(@ids))";

    private const string SelectResults = "SELECT job_id, result FROM job_results WHERE job_id IN (SELECT value FROM json_each(@ids))";

    private SessionReads? _sessionReads;

    private SessionReads Sessions => _sessionReads ??= new SessionReads(ReadSessionRowsAsync, ReadSessionJobsAsync, ReadResultsAsync);

    public Task<Job> CreateSessionAsync(NewSession session, NewJob job, StoredFile? file, AuditContext audit, CancellationToken ct) =>
        _orchestration.CreateSessionAsync(session, job, file, audit, ct);

    public Task SeedDemoAsync(DemoSeed seed, CancellationToken ct) => _orchestration.SeedDemoAsync(seed, ct);

    public Task<DemoCleared> ClearDemoAsync(CancellationToken ct) => _orchestration.ClearDemoAsync(ct);

    public Task<SessionRecord?> GetSessionAsync(Guid id, CancellationToken ct) => Sessions.GetAsync(id, ct);

    public Task<SessionPage> ListSessionsAsync(SessionQuery query, CancellationToken ct) => Sessions.PageAsync(query, ct);

    public Task<string?> GetResultAsync(Guid jobId, CancellationToken ct) => Sessions.GetResultAsync(jobId, ct);

    private async Task<List<SessionRow>> ReadSessionRowsAsync(SessionQuery query, Guid? id, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = SelectSessions;
        var bind = new SqliteParameters(command.Parameters);
        bind.Set("@id", id?.ToString());
        bind.Set("@course_id", query.CourseId);
        bind.Set("@synthetic", query.Synthetic is { } synthetic ? synthetic ? 1 : 0 : null);
        bind.Set("@after_at", query.After?.CreatedAt.ToUnixTimeMicroseconds());
        bind.Set("@after_id", query.After?.Id.ToString());
        bind.Set("@limit", query.Limit);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<SessionRow>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new SessionRow(Guid.Parse(reader.GetString(0)), reader.GetString(1), reader.GetString(2), reader.GetInt64(3) != 0,
                reader.GetString(4), Microseconds.FromUnixTimeMicroseconds(reader.GetInt64(5))));
        }
        return rows;
    }

    private async Task<List<Job>> ReadSessionJobsAsync(IReadOnlyList<Guid> sessionIds, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = SelectSessionJobs;
        command.Parameters.AddWithValue("@ids", IdArray(sessionIds));
        return await SqliteRows.ReadJobsAsync(command, ct);
    }

    private async Task<Dictionary<Guid, string>> ReadResultsAsync(IReadOnlyList<Guid> jobIds, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = SelectResults;
        command.Parameters.AddWithValue("@ids", IdArray(jobIds));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var results = new Dictionary<Guid, string>();
        while (await reader.ReadAsync(ct)) results[Guid.Parse(reader.GetString(0))] = reader.GetString(1);
        return results;
    }

    private static string IdArray(IReadOnlyList<Guid> ids) => JsonSerializer.Serialize(ids.Select(i => i.ToString()));
}
