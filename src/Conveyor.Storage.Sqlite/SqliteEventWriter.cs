using Microsoft.Data.Sqlite;

namespace Conveyor.Storage.Sqlite;

/// <summary>Appends <c>job_events</c> rows through one reused command, all carrying the same audit id.</summary>
internal sealed class SqliteEventWriter(SqliteCommand command, Guid? auditId) : IAsyncDisposable
{
    public const string Insert = """
        INSERT INTO job_events (job_id, type, from_status, to_status, at, actor, audit_id, data)
        VALUES (@job_id, @type, @from_status, @to_status, @at, @actor, @audit_id, @data)
        """;

    private readonly SqliteParameters _bind = new(command.Parameters);

    public async Task AppendAsync(Guid jobId, string type, string? from, string to, DateTimeOffset at, string actor, string data,
        CancellationToken ct)
    {
        _bind.Set("@job_id", jobId.ToString());
        _bind.Set("@type", type);
        _bind.Set("@from_status", from);
        _bind.Set("@to_status", to);
        _bind.Set("@at", at.ToUnixTimeMicroseconds());
        _bind.Set("@actor", actor);
        _bind.Set("@audit_id", auditId?.ToString());
        _bind.Set("@data", data);
        await command.ExecuteNonQueryAsync(ct);
    }

    public ValueTask DisposeAsync() => command.DisposeAsync();
}
