using Conveyor.Core;
using Npgsql;

namespace Conveyor.Storage.Postgres;

/// <summary>The sessions pipeline's reads and its one write (through the orchestration); see <see cref="SessionReads"/>.</summary>
public sealed partial class PostgresJobStore
{
    private const string SessionRowColumns = "id, course_id, title, synthetic, created_by, created_at";

    /// <summary>Newest first; the null checks fold away in the plan PostgreSQL makes for the values bound.</summary>
    private const string SelectSessions = $"""
        SELECT {SessionRowColumns} FROM sessions
        WHERE (@id::uuid IS NULL OR id = @id)
          AND (@course_id::text IS NULL OR course_id = @course_id)
          AND (@synthetic::boolean IS NULL OR synthetic = @synthetic)
          AND (@after_at::timestamptz IS NULL OR (created_at, id) < (@after_at, @after_id::uuid))
        ORDER BY created_at DESC, id DESC
        LIMIT @limit
        """;

    private const string SelectSessionJobs = $"SELECT {JobColumns.All} FROM jobs WHERE session_id = ANY(@ids)";

    private const string SelectResults = "SELECT job_id, result::text FROM job_results WHERE job_id = ANY(@ids)";

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
        await using var command = _dataSource.CreateCommand(SelectSessions);
        Add(command, "id", id);
        Add(command, "course_id", query.CourseId);
        Add(command, "synthetic", query.Synthetic);
        Add(command, "after_at", query.After?.CreatedAt.Truncate());
        Add(command, "after_id", query.After?.Id);
        Add(command, "limit", query.Limit);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<SessionRow>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new SessionRow(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetBoolean(3),
                reader.GetString(4), PostgresRows.Time(reader, 5)));
        }
        return rows;
    }

    private async Task<List<Job>> ReadSessionJobsAsync(IReadOnlyList<Guid> sessionIds, CancellationToken ct)
    {
        await using var command = _dataSource.CreateCommand(SelectSessionJobs);
        Add(command, "ids", sessionIds.ToArray());
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await PostgresRows.ReadJobsAsync(reader, ct);
    }

    private async Task<Dictionary<Guid, string>> ReadResultsAsync(IReadOnlyList<Guid> jobIds, CancellationToken ct)
    {
        await using var command = _dataSource.CreateCommand(SelectResults);
        Add(command, "ids", jobIds.ToArray());
        await using var reader = await command.ExecuteReaderAsync(ct);
        var results = new Dictionary<Guid, string>();
        while (await reader.ReadAsync(ct)) results[reader.GetGuid(0)] = reader.GetString(1);
        return results;
    }
}
