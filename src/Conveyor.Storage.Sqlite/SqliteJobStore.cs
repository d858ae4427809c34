using System.Data.Common;
using Conveyor.Core;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Conveyor.Storage.Sqlite;

/// <summary>
/// The embedded store: one SQLite file in WAL mode. Writers are serialized in-process (SQLite has one
/// writer at a time anyway) and every write transaction starts with <c>BEGIN IMMEDIATE</c>, so a second
/// process on the same file waits on the busy timeout instead of failing half-way.
/// </summary>
public sealed partial class SqliteJobStore : IJobStore, IApiKeyStore, IAuditStore, IRecordStore, IDisposable
{
    private const string Prefix = "Conveyor.Storage.Sqlite.Migrations.";

    /// <summary>This driver's embedded migrations, in version order.</summary>
    public static IReadOnlyList<Migration> Migrations => Migration.Load(typeof(SqliteJobStore).Assembly, Prefix);

    private readonly string _connectionString;
    private readonly string _loadConnectionString;
    private readonly TimeProvider _time;
    private readonly ILogger<SqliteJobStore> _logger;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly QueueSignalHub _signals = new();

    public SqliteJobStore(string connectionString, TimeProvider time, ILogger<SqliteJobStore> logger)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString)
        {
            Pooling = true,
            DefaultTimeout = 30,
        };
        if (builder.DataSource is { Length: > 0 } path && path != ":memory:" && builder.Mode != SqliteOpenMode.Memory)
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        }
        _connectionString = builder.ToString();
        // A load's own connection, outside the pool: its prepared insert and page cache go when the load ends.
        _loadConnectionString = new SqliteConnectionStringBuilder(_connectionString) { Pooling = false }.ToString();
        _time = time;
        _logger = logger;
    }

    private DateTimeOffset Now() => _time.GetUtcNow().Truncate();

    private Task<SqliteConnection> OpenAsync(CancellationToken ct) => OpenAsync(_connectionString, ct);

    private static async Task<SqliteConnection> OpenAsync(string connectionString, CancellationToken ct)
    {
        var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 30000;";
        await pragma.ExecuteNonQueryAsync(ct);
        return connection;
    }

    /// <summary>Runs <paramref name="work"/> in a <c>BEGIN IMMEDIATE</c> transaction under the in-process write lock.</summary>
    private async Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, Task<T>> work, CancellationToken ct)
    {
        await _writeLock.WaitAsync(ct);
        try
        {
            await using var connection = await OpenAsync(ct);
            return await TransactAsync(connection, work, ct);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>As <see cref="WriteAsync{T}"/>, on a connection the caller holds (a load keeps one for all its batches).</summary>
    private async Task<T> WriteOnAsync<T>(SqliteConnection connection, Func<SqliteConnection, SqliteTransaction, Task<T>> work,
        CancellationToken ct)
    {
        await _writeLock.WaitAsync(ct);
        try
        {
            return await TransactAsync(connection, work, ct);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private static async Task<T> TransactAsync<T>(SqliteConnection connection, Func<SqliteConnection, SqliteTransaction, Task<T>> work,
        CancellationToken ct)
    {
        await using var tx = connection.BeginTransaction(deferred: false);
        var result = await work(connection, tx);
        await tx.CommitAsync(ct);
        return result;
    }

    public async Task MigrateAsync(CancellationToken ct)
    {
        await using (var connection = await OpenAsync(ct))
        await using (var wal = connection.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode = WAL;";
            await wal.ExecuteNonQueryAsync(ct);
        }

        await WriteAsync(async (connection, tx) =>
        {
            await ExecuteAsync(connection, tx,
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)", ct);
            var applied = new HashSet<long>();
            await using (var select = Command(connection, tx, "SELECT version FROM schema_migrations"))
            await using (var reader = await select.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct)) applied.Add(reader.GetInt64(0));
            }
            foreach (var migration in Migrations.Where(m => !applied.Contains(m.Version)))
            {
                _logger.LogInformation("Applying SQLite migration {Version} {Name}", migration.Version, migration.Name);
                await ExecuteAsync(connection, tx, migration.Sql, ct);
                await using var record = Command(connection, tx,
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@v, @n, @at)");
                record.Parameters.AddWithValue("@v", migration.Version);
                record.Parameters.AddWithValue("@n", migration.Name);
                record.Parameters.AddWithValue("@at", Now().ToUnixTimeMicroseconds());
                await record.ExecuteNonQueryAsync(ct);
            }
            return 0;
        }, ct);
    }

    public async Task PingAsync(CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM schema_migrations";
        await command.ExecuteScalarAsync(ct);
    }

    public async Task<CreateOutcome> CreateAsync(NewJob job, AuditContext audit, CancellationToken ct)
    {
        var outcome = await WriteAsync(async (connection, tx) =>
        {
            if (job.IdempotencyKey is { } key)
            {
                await using var find = Command(connection, tx, $"SELECT {JobColumns.All} FROM jobs WHERE idempotency_key = @key");
                find.Parameters.AddWithValue("@key", key);
                var existing = await ReadJobsAsync(find, ct);
                if (existing.Count == 1)
                {
                    var hash = await RequestHashAsync(connection, tx, existing[0].Id, ct);
                    var conflict = !string.Equals(hash, job.RequestHash, StringComparison.Ordinal);
                    await AppendAuditAsync(connection, tx, audit, existing[0].Id.ToString(),
                        conflict ? AuditOutcomes.Rejected : AuditOutcomes.NoOp, ct);
                    return new CreateOutcome(existing[0], Created: false, IdempotencyConflict: conflict);
                }
            }
            var created = await InsertAsync(connection, tx, [job], audit.Id, ct);
            await AppendAuditAsync(connection, tx, audit, job.Id.ToString(), AuditOutcomes.Applied, ct);
            return new CreateOutcome(created[0], Created: true);
        }, ct);
        if (outcome.Created) _signals.Signal();
        return outcome;
    }

    private static async Task<string?> RequestHashAsync(SqliteConnection connection, SqliteTransaction tx, Guid id, CancellationToken ct)
    {
        await using var command = Command(connection, tx, "SELECT request_hash FROM jobs WHERE id = @id");
        command.Parameters.AddWithValue("@id", id.ToString());
        return await command.ExecuteScalarAsync(ct) as string;
    }

    public async Task<IReadOnlyList<Job>> CreateBatchAsync(IReadOnlyList<NewJob> jobs, AuditContext audit, CancellationToken ct)
    {
        var created = await WriteAsync(async (connection, tx) =>
        {
            var inserted = await InsertAsync(connection, tx, jobs, audit.Id, ct);
            await AppendAuditAsync(connection, tx, audit, null, AuditOutcomes.Applied, ct);
            return inserted;
        }, ct);
        _signals.Signal();
        return created;
    }

    private async Task<IReadOnlyList<Job>> InsertAsync(SqliteConnection connection, SqliteTransaction tx, IReadOnlyList<NewJob> jobs,
        Guid? auditId, CancellationToken ct)
    {
        var now = Now();
        await using var insert = Command(connection, tx, """
            INSERT INTO jobs (id, type, source_type, source_uri, file_name, file_size, mime_type, mode, priority, metadata,
                session_id, dataset, status, attempt, max_attempts, scheduled_at, created_at, updated_at, retry_of,
                idempotency_key, request_hash, created_by, synthetic)
            VALUES (@id, @type, @source_type, @source_uri, @file_name, @file_size, @mime_type, @mode, @priority, @metadata,
                @session_id, @dataset, 'queued', 0, @max_attempts, @scheduled_at, @now, @now, @retry_of,
                @idempotency_key, @request_hash, @created_by, @synthetic)
            """);
        string[] names = ["id", "type", "source_type", "source_uri", "file_name", "file_size", "mime_type", "mode", "priority",
            "metadata", "session_id", "dataset", "max_attempts", "scheduled_at", "now", "retry_of", "idempotency_key",
            "request_hash", "created_by", "synthetic"];
        foreach (var name in names) insert.Parameters.Add(new SqliteParameter("@" + name, null));
        insert.Prepare();
        await using var insertEvent = EventCommand(connection, tx);

        var created = new List<Job>(jobs.Count);
        foreach (var job in jobs)
        {
            var scheduled = QueuedJob.ScheduledAt(job, now);
            var p = insert.Parameters;
            p["@id"].Value = job.Id.ToString();
            p["@type"].Value = job.Type;
            p["@source_type"].Value = (object?)job.SourceType ?? DBNull.Value;
            p["@source_uri"].Value = (object?)job.SourceUri ?? DBNull.Value;
            p["@file_name"].Value = (object?)job.FileName ?? DBNull.Value;
            p["@file_size"].Value = (object?)job.FileSize ?? DBNull.Value;
            p["@mime_type"].Value = (object?)job.MimeType ?? DBNull.Value;
            p["@mode"].Value = (object?)job.Mode ?? DBNull.Value;
            p["@priority"].Value = job.Priority;
            p["@metadata"].Value = QueuedJob.MetadataJson(job);
            p["@session_id"].Value = (object?)job.SessionId?.ToString() ?? DBNull.Value;
            p["@dataset"].Value = (object?)job.Dataset ?? DBNull.Value;
            p["@max_attempts"].Value = job.MaxAttempts;
            p["@scheduled_at"].Value = scheduled.ToUnixTimeMicroseconds();
            p["@now"].Value = now.ToUnixTimeMicroseconds();
            p["@retry_of"].Value = (object?)job.RetryOf?.ToString() ?? DBNull.Value;
            p["@idempotency_key"].Value = (object?)job.IdempotencyKey ?? DBNull.Value;
            p["@request_hash"].Value = (object?)job.RequestHash ?? DBNull.Value;
            p["@created_by"].Value = job.CreatedBy;
            p["@synthetic"].Value = job.Synthetic ? 1 : 0;
            await insert.ExecuteNonQueryAsync(ct);
            await AppendEventAsync(insertEvent, job.Id, JobEventTypes.Created, null, JobStatusNames.Queued, now, job.CreatedBy,
                QueuedJob.CreatedEventData(job), auditId, ct);
            created.Add(QueuedJob.From(job, now));
        }
        return created;
    }

    public async Task<Job?> GetAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {JobColumns.All} FROM jobs WHERE id = @id";
        command.Parameters.AddWithValue("@id", id.ToString());
        var jobs = await ReadJobsAsync(command, ct);
        return jobs.Count == 0 ? null : jobs[0];
    }

    public async Task<JobPage> ListAsync(JobQuery query, CancellationToken ct)
    {
        var sql = new JobListSql(query, t => t.ToUnixTimeMicroseconds(), g => g.ToString());
        await using var connection = await OpenAsync(ct);
        // One read transaction, so the total and the page see the same snapshot.
        await using var tx = connection.BeginTransaction(deferred: true);

        await using var count = Command(connection, tx, $"SELECT count(*) FROM jobs WHERE {sql.Filter}");
        foreach (var (name, value) in sql.FilterParameters) count.Parameters.AddWithValue("@" + name, value);
        var total = (long)(await count.ExecuteScalarAsync(ct))!;

        await using var page = Command(connection, tx,
            $"SELECT {JobColumns.All} FROM jobs WHERE {sql.PageFilter} ORDER BY {sql.OrderBy} LIMIT @limit OFFSET @offset");
        foreach (var (name, value) in sql.PageParameters) page.Parameters.AddWithValue("@" + name, value);
        page.Parameters.AddWithValue("@limit", query.Limit + 1);
        page.Parameters.AddWithValue("@offset", query.After is null ? (long)(query.Page - 1) * query.Limit : 0);
        var rows = await ReadJobsAsync(page, ct);
        await tx.CommitAsync(ct);
        return JobPages.From(rows, total, query);
    }

    public async Task<IReadOnlyList<JobEvent>?> GetEventsAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var tx = connection.BeginTransaction(deferred: true);
        await using var exists = Command(connection, tx, "SELECT 1 FROM jobs WHERE id = @id");
        exists.Parameters.AddWithValue("@id", id.ToString());
        if (await exists.ExecuteScalarAsync(ct) is null) return null;

        await using var command = Command(connection, tx,
            "SELECT id, job_id, type, from_status, to_status, at, actor, audit_id, data FROM job_events WHERE job_id = @id ORDER BY id");
        command.Parameters.AddWithValue("@id", id.ToString());
        var events = new List<JobEvent>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            events.Add(new JobEvent(
                reader.GetInt64(0),
                Guid.Parse(reader.GetString(1)),
                reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                Microseconds.FromUnixTimeMicroseconds(reader.GetInt64(5)),
                reader.GetString(6),
                reader.IsDBNull(7) ? null : Guid.Parse(reader.GetString(7)),
                JobMetadata.Parse(reader.GetString(8))));
        }
        return events;
    }

    public async Task<Guid?> FindRetryAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id FROM jobs WHERE retry_of = @id";
        command.Parameters.AddWithValue("@id", id.ToString());
        return await command.ExecuteScalarAsync(ct) is string text ? Guid.Parse(text) : null;
    }

    public async Task<OperationOutcome> ApplyAsync(Guid id, JobOperation operation, AuditContext audit, CancellationToken ct)
    {
        var outcome = await WriteAsync(async (connection, tx) =>
        {
            var states = await LoadStatesAsync(connection, tx, "id = @id", p => p.AddWithValue("@id", id.ToString()), withRetry: false, ct);
            if (states.Count == 0)
            {
                await AppendAuditAsync(connection, tx, audit, id.ToString(), AuditOutcomes.Rejected, ct);
                return OperationOutcome.NotFound;
            }
            var result = StatusMachine.Decide(states[0].Snapshot, operation);
            if (result.IsApplied)
            {
                await WriteChangesAsync(connection, tx, [JobChanges.Plan(states[0], operation, result, Now(), TransitionInput.None)],
                    audit.Actor, ct, audit.Id);
            }
            await AppendAuditAsync(connection, tx, audit, id.ToString(), AuditOutcomes.Of(result), ct);
            await using var get = Command(connection, tx, $"SELECT {JobColumns.All} FROM jobs WHERE id = @id");
            get.Parameters.AddWithValue("@id", id.ToString());
            return new OperationOutcome((await ReadJobsAsync(get, ct))[0], result);
        }, ct);
        if (outcome.Transition is { IsApplied: true, To: JobStatus.Queued }) _signals.Signal();
        return outcome;
    }

    public async Task<RetryAsNewOutcome> RetryAsNewAsync(Guid id, Func<Job, NewJob> buildRetry, AuditContext audit, CancellationToken ct)
    {
        var outcome = await WriteAsync(async (connection, tx) =>
        {
            var states = await LoadStatesAsync(connection, tx, "id = @id", p => p.AddWithValue("@id", id.ToString()), withRetry: true, ct);
            if (states.Count == 0)
            {
                await AppendAuditAsync(connection, tx, audit, id.ToString(), AuditOutcomes.Rejected, ct);
                return RetryAsNewOutcome.NotFound;
            }
            var result = StatusMachine.Decide(states[0].Snapshot, JobOperation.RetryAsNew);
            Job? retry = null;
            if (result.IsApplied)
            {
                await using var getOriginal = Command(connection, tx, $"SELECT {JobColumns.All} FROM jobs WHERE id = @id");
                getOriginal.Parameters.AddWithValue("@id", id.ToString());
                var newJob = buildRetry((await ReadJobsAsync(getOriginal, ct))[0]) with { RetryOf = id };
                retry = (await InsertAsync(connection, tx, [newJob], audit.Id, ct))[0];
                var change = JobChanges.Plan(states[0], JobOperation.RetryAsNew, result, Now(), TransitionInput.None);
                await WriteChangesAsync(connection, tx, [change with { EventData = $$"""{"retry_id":"{{retry.Id}}"}""" }], audit.Actor, ct, audit.Id);
            }
            else if (result.Kind == TransitionKind.NoOp)
            {
                await using var find = Command(connection, tx, $"SELECT {JobColumns.All} FROM jobs WHERE retry_of = @id");
                find.Parameters.AddWithValue("@id", id.ToString());
                retry = (await ReadJobsAsync(find, ct))[0];
            }
            await AppendAuditAsync(connection, tx, audit, id.ToString(), AuditOutcomes.Of(result), ct);
            await using var get = Command(connection, tx, $"SELECT {JobColumns.All} FROM jobs WHERE id = @id");
            get.Parameters.AddWithValue("@id", id.ToString());
            return new RetryAsNewOutcome((await ReadJobsAsync(get, ct))[0], retry, result);
        }, ct);
        if (outcome.Transition is { IsApplied: true }) _signals.Signal();
        return outcome;
    }

    public async Task<IReadOnlyList<Job>> ClaimAsync(string owner, int max, TimeSpan lease, CancellationToken ct)
    {
        if (max <= 0) return [];
        return await WriteAsync(async (connection, tx) =>
        {
            var now = Now();
            await using var claim = Command(connection, tx, $"""
                UPDATE jobs
                SET status = 'running', attempt = attempt + 1, started_at = @now, completed_at = NULL,
                    lease_owner = @owner, lease_expires_at = @lease, updated_at = MAX(@now, updated_at + 1)
                WHERE id IN (
                    SELECT id FROM jobs
                    WHERE status = 'queued' AND scheduled_at <= @now
                    ORDER BY priority DESC, scheduled_at, created_at
                    LIMIT @max)
                RETURNING {JobColumns.All}
                """);
            claim.Parameters.AddWithValue("@now", now.ToUnixTimeMicroseconds());
            claim.Parameters.AddWithValue("@owner", owner);
            claim.Parameters.AddWithValue("@lease", (now + lease).ToUnixTimeMicroseconds());
            claim.Parameters.AddWithValue("@max", max);
            var jobs = await ReadJobsAsync(claim, ct);
            await using var insertEvent = EventCommand(connection, tx);
            foreach (var job in jobs)
            {
                await AppendEventAsync(insertEvent, job.Id, JobEventTypes.Started, JobStatusNames.Queued, JobStatusNames.Running, now,
                    WorkerActor(owner), $$"""{"attempt":{{job.Attempt}}}""", null, ct);
            }
            return (IReadOnlyList<Job>)jobs.OrderByDescending(j => j.Priority).ThenBy(j => j.ScheduledAt).ThenBy(j => j.CreatedAt).ToList();
        }, ct);
    }

    public async Task<IReadOnlyList<Guid>> HeartbeatAsync(string owner, IReadOnlyCollection<Guid> ids, TimeSpan lease, CancellationToken ct)
    {
        if (ids.Count == 0) return [];
        return await WriteAsync(async (connection, tx) =>
        {
            var now = Now();
            await using var command = Command(connection, tx, """
                UPDATE jobs SET lease_expires_at = @lease
                WHERE id = @id AND lease_owner = @owner AND status = 'running'
                RETURNING cancel_requested_at IS NOT NULL
                """);
            command.Parameters.AddWithValue("@lease", (now + lease).ToUnixTimeMicroseconds());
            command.Parameters.AddWithValue("@owner", owner);
            var idParameter = command.Parameters.Add("@id", SqliteType.Text);
            var cancelled = new List<Guid>();
            foreach (var id in ids)
            {
                idParameter.Value = id.ToString();
                // A job no longer leased by this owner (rescued, or finished elsewhere) must stop too.
                var result = await command.ExecuteScalarAsync(ct);
                if (result is null || Convert.ToInt64(result) == 1) cancelled.Add(id);
            }
            return (IReadOnlyList<Guid>)cancelled;
        }, ct);
    }

    public async Task<int> CompleteAsync(string owner, IReadOnlyList<Completion> completions, CancellationToken ct)
    {
        if (completions.Count == 0) return 0;
        var (written, requeued) = await WriteAsync(async (connection, tx) =>
        {
            var byId = completions.ToDictionary(c => c.Id);
            var states = await LoadStatesAsync(connection, tx,
                $"id IN ({InList(completions.Count)}) AND lease_owner = @owner AND status = 'running'",
                p =>
                {
                    var i = 0;
                    foreach (var c in completions) p.AddWithValue($"@p{i++}", c.Id.ToString());
                    p.AddWithValue("@owner", owner);
                }, withRetry: false, ct);
            var now = Now();
            var changes = new List<JobChange>();
            foreach (var state in states)
            {
                var completion = byId[state.Id];
                if (JobChanges.Plan(state, completion.Operation, now, completion.Input) is { } change) changes.Add(change);
            }
            await WriteProgressAsync(connection, tx,
                completions.Where(c => c.Progress is not null && states.Any(s => s.Id == c.Id)).Select(c => c.Progress!).ToList(), ct);
            await WriteChangesAsync(connection, tx, changes, WorkerActor(owner), ct);
            return (changes.Count, changes.Any(c => c.After.Status == JobStatus.Queued));
        }, ct);
        if (requeued) _signals.Signal();
        return written;
    }

    public async Task FlushProgressAsync(IReadOnlyList<ProgressUpdate> updates, CancellationToken ct)
    {
        if (updates.Count == 0) return;
        await WriteAsync(async (connection, tx) =>
        {
            await WriteProgressAsync(connection, tx, updates, ct);
            return 0;
        }, ct);
    }

    private async Task WriteProgressAsync(SqliteConnection connection, SqliteTransaction tx, IReadOnlyList<ProgressUpdate> updates, CancellationToken ct)
    {
        if (updates.Count == 0) return;
        await using var command = Command(connection, tx, """
            UPDATE jobs SET records_processed = @processed, records_failed = @failed, records_total = @total,
                updated_at = MAX(@now, updated_at + 1)
            WHERE id = @id AND status = 'running'
            """);
        command.Parameters.AddWithValue("@now", Now().ToUnixTimeMicroseconds());
        var id = command.Parameters.Add("@id", SqliteType.Text);
        var processed = command.Parameters.Add("@processed", SqliteType.Integer);
        var failed = command.Parameters.Add("@failed", SqliteType.Integer);
        var total = command.Parameters.Add("@total", SqliteType.Integer);
        foreach (var update in updates)
        {
            id.Value = update.Id.ToString();
            processed.Value = update.RecordsProcessed;
            failed.Value = update.RecordsFailed;
            total.Value = (object?)update.RecordsTotal ?? DBNull.Value;
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    public async Task<int> RescueExpiredAsync(int max, CancellationToken ct)
    {
        var (count, requeued) = await WriteAsync(async (connection, tx) =>
        {
            var now = Now();
            var states = await LoadStatesAsync(connection, tx,
                "status = 'running' AND lease_expires_at < @now ORDER BY lease_expires_at LIMIT @max",
                p =>
                {
                    p.AddWithValue("@now", now.ToUnixTimeMicroseconds());
                    p.AddWithValue("@max", max);
                }, withRetry: false, ct);
            var changes = states.Select(s => JobChanges.Plan(s, JobOperation.Rescue, now)).OfType<JobChange>().ToList();
            await WriteChangesAsync(connection, tx, changes, "sweeper", ct);
            return (changes.Count, changes.Any(c => c.After.Status == JobStatus.Queued));
        }, ct);
        if (requeued) _signals.Signal();
        return count;
    }

    public async Task<int> ReleaseAsync(string owner, IReadOnlyCollection<Guid> ids, CancellationToken ct)
    {
        if (ids.Count == 0) return 0;
        var count = await WriteAsync(async (connection, tx) =>
        {
            var states = await LoadStatesAsync(connection, tx,
                $"id IN ({InList(ids.Count)}) AND lease_owner = @owner AND status = 'running'",
                p =>
                {
                    var i = 0;
                    foreach (var id in ids) p.AddWithValue($"@p{i++}", id.ToString());
                    p.AddWithValue("@owner", owner);
                }, withRetry: false, ct);
            var now = Now();
            var changes = states.Select(s => JobChanges.Plan(s, JobOperation.Release, now)).OfType<JobChange>().ToList();
            await WriteChangesAsync(connection, tx, changes, WorkerActor(owner), ct);
            return changes.Count;
        }, ct);
        if (count > 0) _signals.Signal();
        return count;
    }

    public Task<IQueueSignal> SubscribeAsync(CancellationToken ct) => Task.FromResult<IQueueSignal>(_signals.Subscribe());

    public async Task<long> CountKeysAsync(CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM api_keys";
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    public async Task InsertKeyAsync(ApiKeyRecord key, AuditContext audit, CancellationToken ct)
    {
        await WriteAsync(async (connection, tx) =>
        {
            await using var command = Command(connection, tx, """
                INSERT INTO api_keys (id, prefix, hash, name, role, created_at, expires_at)
                VALUES (@id, @prefix, @hash, @name, @role, @created_at, @expires_at)
                """);
            command.Parameters.AddWithValue("@id", key.Id.ToString());
            command.Parameters.AddWithValue("@prefix", key.Prefix);
            command.Parameters.AddWithValue("@hash", key.Hash);
            command.Parameters.AddWithValue("@name", key.Name);
            command.Parameters.AddWithValue("@role", key.Role);
            command.Parameters.AddWithValue("@created_at", key.CreatedAt.ToUnixTimeMicroseconds());
            command.Parameters.AddWithValue("@expires_at", (object?)key.ExpiresAt?.ToUnixTimeMicroseconds() ?? DBNull.Value);
            await command.ExecuteNonQueryAsync(ct);
            await AppendAuditAsync(connection, tx, audit, key.Id.ToString(), AuditOutcomes.Applied, ct);
            return 0;
        }, ct);
    }

    private const string KeyColumns = "id, prefix, hash, name, role, created_at, last_used_at, expires_at, revoked_at";

    public async Task<ApiKeyRecord?> FindKeyByPrefixAsync(string prefix, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {KeyColumns} FROM api_keys WHERE prefix = @prefix";
        command.Parameters.AddWithValue("@prefix", prefix);
        var keys = await ReadKeysAsync(command, ct);
        return keys.Count == 0 ? null : keys[0];
    }

    public async Task<IReadOnlyList<ApiKeyRecord>> ListKeysAsync(CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {KeyColumns} FROM api_keys ORDER BY created_at, id";
        return await ReadKeysAsync(command, ct);
    }

    public Task<ApiKeyRecord?> RevokeKeyAsync(Guid id, AuditContext audit, CancellationToken ct) =>
        WriteAsync(async (connection, tx) =>
        {
            await using var revoke = Command(connection, tx, "UPDATE api_keys SET revoked_at = @now WHERE id = @id AND revoked_at IS NULL");
            revoke.Parameters.AddWithValue("@now", Now().ToUnixTimeMicroseconds());
            revoke.Parameters.AddWithValue("@id", id.ToString());
            var changed = await revoke.ExecuteNonQueryAsync(ct);
            await using var get = Command(connection, tx, $"SELECT {KeyColumns} FROM api_keys WHERE id = @id");
            get.Parameters.AddWithValue("@id", id.ToString());
            var keys = await ReadKeysAsync(get, ct);
            var outcome = keys.Count == 0 ? AuditOutcomes.Rejected : changed == 1 ? AuditOutcomes.Applied : AuditOutcomes.NoOp;
            await AppendAuditAsync(connection, tx, audit, id.ToString(), outcome, ct);
            return keys.Count == 0 ? null : keys[0];
        }, ct);

    public async Task TouchKeyAsync(Guid id, DateTimeOffset at, CancellationToken ct)
    {
        await WriteAsync(async (connection, tx) =>
        {
            await using var touch = Command(connection, tx,
                "UPDATE api_keys SET last_used_at = @at WHERE id = @id AND (last_used_at IS NULL OR last_used_at < @at)");
            touch.Parameters.AddWithValue("@at", at.Truncate().ToUnixTimeMicroseconds());
            touch.Parameters.AddWithValue("@id", id.ToString());
            return await touch.ExecuteNonQueryAsync(ct);
        }, ct);
    }

    private static async Task<List<ApiKeyRecord>> ReadKeysAsync(SqliteCommand command, CancellationToken ct)
    {
        var keys = new List<ApiKeyRecord>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            keys.Add(new ApiKeyRecord(Guid.Parse(reader.GetString(0)), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.GetString(4), Microseconds.FromUnixTimeMicroseconds(reader.GetInt64(5)), Time(reader, 6), Time(reader, 7), Time(reader, 8)));
        }
        return keys;
    }

    public Task<AuditEvent> AppendAuditAsync(AuditContext audit, string? target, string outcome, CancellationToken ct) =>
        WriteAsync((connection, tx) => AppendAuditAsync(connection, tx, audit, target, outcome, ct), ct);

    public async Task<IReadOnlyList<AuditEvent>> ListAuditAsync(AuditQuery query, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = connection.CreateCommand();
        var where = new List<string>();
        void Filter(string sql, string name, object? value)
        {
            if (value is null) return;
            where.Add(sql);
            command.Parameters.AddWithValue(name, value);
        }
        Filter("action = @action", "@action", query.Action);
        Filter("actor = @actor", "@actor", query.Actor);
        Filter("target = @target", "@target", query.Target);
        Filter("at >= @from", "@from", query.From?.ToUnixTimeMicroseconds());
        Filter("at < @to", "@to", query.To?.ToUnixTimeMicroseconds());
        Filter("seq < @before", "@before", query.BeforeSeq);
        command.CommandText = $"SELECT {AuditColumns} FROM audit_events {(where.Count == 0 ? "" : "WHERE " + string.Join(" AND ", where))} " +
            "ORDER BY seq DESC LIMIT @limit";
        command.Parameters.AddWithValue("@limit", query.Limit);
        return await ReadAuditAsync(command, ct);
    }

    public async Task<IReadOnlyList<AuditEvent>> ReadAuditChainAsync(long afterSeq, int limit, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {AuditColumns} FROM audit_events WHERE seq > @after ORDER BY seq LIMIT @limit";
        command.Parameters.AddWithValue("@after", afterSeq);
        command.Parameters.AddWithValue("@limit", limit);
        return await ReadAuditAsync(command, ct);
    }

    private const string AuditColumns = "seq, id, at, actor, role, action, target, outcome, request_id, remote_ip, details, prev_hash, hash";

    /// <summary>Links the next event to the chain's head; the write lock and BEGIN IMMEDIATE make this transaction the only appender.</summary>
    private async Task<AuditEvent> AppendAuditAsync(SqliteConnection connection, SqliteTransaction tx, AuditContext audit, string? target,
        string outcome, CancellationToken ct)
    {
        long prevSeq = 0;
        var prevHash = AuditChain.Genesis;
        await using (var head = Command(connection, tx, "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1"))
        await using (var reader = await head.ExecuteReaderAsync(ct))
        {
            if (await reader.ReadAsync(ct))
            {
                prevSeq = reader.GetInt64(0);
                prevHash = reader.GetString(1);
            }
        }
        var e = AuditChain.Link(prevSeq, prevHash, audit, Now(), target, outcome);
        await using var insert = Command(connection, tx, $"""
            INSERT INTO audit_events ({AuditColumns})
            VALUES (@seq, @id, @at, @actor, @role, @action, @target, @outcome, @request_id, @remote_ip, @details, @prev_hash, @hash)
            """);
        var p = insert.Parameters;
        p.AddWithValue("@seq", e.Seq);
        p.AddWithValue("@id", e.Id.ToString());
        p.AddWithValue("@at", e.At.ToUnixTimeMicroseconds());
        p.AddWithValue("@actor", e.Actor);
        p.AddWithValue("@role", e.Role);
        p.AddWithValue("@action", e.Action);
        p.AddWithValue("@target", (object?)e.Target ?? DBNull.Value);
        p.AddWithValue("@outcome", e.Outcome);
        p.AddWithValue("@request_id", (object?)e.RequestId ?? DBNull.Value);
        p.AddWithValue("@remote_ip", (object?)e.RemoteIp ?? DBNull.Value);
        p.AddWithValue("@details", e.Details);
        p.AddWithValue("@prev_hash", e.PrevHash);
        p.AddWithValue("@hash", e.Hash);
        await insert.ExecuteNonQueryAsync(ct);
        return e;
    }

    private static async Task<List<AuditEvent>> ReadAuditAsync(SqliteCommand command, CancellationToken ct)
    {
        var events = new List<AuditEvent>();
        await using var r = await command.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            events.Add(new AuditEvent(r.GetInt64(0), Guid.Parse(r.GetString(1)), Microseconds.FromUnixTimeMicroseconds(r.GetInt64(2)),
                r.GetString(3), r.GetString(4), r.GetString(5), Text(r, 6), r.GetString(7), Text(r, 8), Text(r, 9), r.GetString(10),
                r.GetString(11), r.GetString(12)));
        }
        return events;
    }

    public void Dispose() => _writeLock.Dispose();

    private static string WorkerActor(string owner) => "worker:" + owner;

    private static string InList(int count) => string.Join(", ", Enumerable.Range(0, count).Select(i => $"@p{i}"));

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction tx, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        return command;
    }

    private static async Task ExecuteAsync(SqliteConnection connection, SqliteTransaction tx, string sql, CancellationToken ct)
    {
        await using var command = Command(connection, tx, sql);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task<List<JobState>> LoadStatesAsync(SqliteConnection connection, SqliteTransaction tx, string where,
        Action<SqliteParameterCollection> bind, bool withRetry, CancellationToken ct)
    {
        var hasRetry = withRetry ? "EXISTS (SELECT 1 FROM jobs r WHERE r.retry_of = jobs.id)" : "0";
        await using var command = Command(connection, tx, $"SELECT {JobColumns.State}, {hasRetry} FROM jobs WHERE {where}");
        bind(command.Parameters);
        var states = new List<JobState>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            states.Add(new JobState
            {
                Id = Guid.Parse(reader.GetString(0)),
                Status = JobStatusNames.Parse(reader.GetString(1)),
                Attempt = reader.GetInt32(2),
                MaxAttempts = reader.GetInt32(3),
                CancelRequestedAt = Time(reader, 4),
                LeaseOwner = reader.IsDBNull(5) ? null : reader.GetString(5),
                LeaseExpiresAt = Time(reader, 6),
                CompletedAt = Time(reader, 7),
                ScheduledAt = Microseconds.FromUnixTimeMicroseconds(reader.GetInt64(8)),
                Error = reader.IsDBNull(9) ? null : reader.GetString(9),
                ErrorRef = reader.IsDBNull(10) ? null : reader.GetString(10),
                UpdatedAt = Microseconds.FromUnixTimeMicroseconds(reader.GetInt64(11)),
                HasRetry = reader.GetInt64(12) == 1,
            });
        }
        return states;
    }

    private static async Task WriteChangesAsync(SqliteConnection connection, SqliteTransaction tx, IReadOnlyList<JobChange> changes, string actor,
        CancellationToken ct, Guid? auditId = null)
    {
        if (changes.Count == 0) return;
        await using var update = Command(connection, tx, """
            UPDATE jobs SET status = @status, attempt = @attempt, max_attempts = @max_attempts,
                cancel_requested_at = @cancel_requested_at, lease_owner = @lease_owner, lease_expires_at = @lease_expires_at,
                completed_at = @completed_at, scheduled_at = @scheduled_at, error = @error, error_ref = @error_ref,
                updated_at = @updated_at
            WHERE id = @id
            """);
        string[] names = ["id", "status", "attempt", "max_attempts", "cancel_requested_at", "lease_owner", "lease_expires_at",
            "completed_at", "scheduled_at", "error", "error_ref", "updated_at"];
        foreach (var name in names) update.Parameters.Add(new SqliteParameter("@" + name, null));
        await using var insertEvent = EventCommand(connection, tx);
        foreach (var change in changes)
        {
            var a = change.After;
            var p = update.Parameters;
            p["@id"].Value = a.Id.ToString();
            p["@status"].Value = a.Status.ToName();
            p["@attempt"].Value = a.Attempt;
            p["@max_attempts"].Value = a.MaxAttempts;
            p["@cancel_requested_at"].Value = (object?)a.CancelRequestedAt?.ToUnixTimeMicroseconds() ?? DBNull.Value;
            p["@lease_owner"].Value = (object?)a.LeaseOwner ?? DBNull.Value;
            p["@lease_expires_at"].Value = (object?)a.LeaseExpiresAt?.ToUnixTimeMicroseconds() ?? DBNull.Value;
            p["@completed_at"].Value = (object?)a.CompletedAt?.ToUnixTimeMicroseconds() ?? DBNull.Value;
            p["@scheduled_at"].Value = a.ScheduledAt.ToUnixTimeMicroseconds();
            p["@error"].Value = (object?)a.Error ?? DBNull.Value;
            p["@error_ref"].Value = (object?)a.ErrorRef ?? DBNull.Value;
            p["@updated_at"].Value = a.UpdatedAt.ToUnixTimeMicroseconds();
            await update.ExecuteNonQueryAsync(ct);
            if (a.Status is JobStatus.Failed or JobStatus.Cancelled) await PurgeRecordsAsync(connection, tx, a.Id, ct);
            await AppendEventAsync(insertEvent, a.Id, change.EventType, change.Before.Status.ToName(), a.Status.ToName(),
                a.UpdatedAt, actor, change.EventData, auditId, ct);
        }
    }

    private static SqliteCommand EventCommand(SqliteConnection connection, SqliteTransaction tx)
    {
        var command = Command(connection, tx, """
            INSERT INTO job_events (job_id, type, from_status, to_status, at, actor, audit_id, data)
            VALUES (@job_id, @type, @from_status, @to_status, @at, @actor, @audit_id, @data)
            """);
        foreach (var name in new[] { "job_id", "type", "from_status", "to_status", "at", "actor", "audit_id", "data" })
            command.Parameters.Add(new SqliteParameter("@" + name, null));
        return command;
    }

    private static async Task AppendEventAsync(SqliteCommand command, Guid jobId, string type, string? from, string to,
        DateTimeOffset at, string actor, string data, Guid? auditId, CancellationToken ct)
    {
        command.Parameters["@audit_id"].Value = (object?)auditId?.ToString() ?? DBNull.Value;
        var p = command.Parameters;
        p["@job_id"].Value = jobId.ToString();
        p["@type"].Value = type;
        p["@from_status"].Value = (object?)from ?? DBNull.Value;
        p["@to_status"].Value = to;
        p["@at"].Value = at.ToUnixTimeMicroseconds();
        p["@actor"].Value = actor;
        p["@data"].Value = data;
        await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task<List<Job>> ReadJobsAsync(SqliteCommand command, CancellationToken ct)
    {
        var jobs = new List<Job>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) jobs.Add(ReadJob(reader));
        return jobs;
    }

    private static DateTimeOffset? Time(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : Microseconds.FromUnixTimeMicroseconds(reader.GetInt64(ordinal));

    private static string? Text(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static Job ReadJob(DbDataReader r) => new()
    {
        Id = Guid.Parse(r.GetString(0)),
        Type = r.GetString(1),
        SourceType = Text(r, 2),
        SourceUri = Text(r, 3),
        FileName = Text(r, 4),
        FileSize = r.IsDBNull(5) ? null : r.GetInt64(5),
        MimeType = Text(r, 6),
        Mode = Text(r, 7),
        Priority = r.GetInt32(8),
        Metadata = JobMetadata.Parse(r.GetString(9)),
        SessionId = r.IsDBNull(10) ? null : Guid.Parse(r.GetString(10)),
        Dataset = Text(r, 11),
        Status = JobStatusNames.Parse(r.GetString(12)),
        Attempt = r.GetInt32(13),
        MaxAttempts = r.GetInt32(14),
        ScheduledAt = Microseconds.FromUnixTimeMicroseconds(r.GetInt64(15)),
        CreatedAt = Microseconds.FromUnixTimeMicroseconds(r.GetInt64(16)),
        StartedAt = Time(r, 17),
        CompletedAt = Time(r, 18),
        UpdatedAt = Microseconds.FromUnixTimeMicroseconds(r.GetInt64(19)),
        RecordsProcessed = r.GetInt64(20),
        RecordsFailed = r.GetInt64(21),
        RecordsTotal = r.IsDBNull(22) ? null : r.GetInt64(22),
        Error = Text(r, 23),
        ErrorRef = Text(r, 24),
        CancelRequestedAt = Time(r, 25),
        LeaseOwner = Text(r, 26),
        LeaseExpiresAt = Time(r, 27),
        RetryOf = r.IsDBNull(28) ? null : Guid.Parse(r.GetString(28)),
        IdempotencyKey = Text(r, 29),
        CreatedBy = r.GetString(30),
        Synthetic = r.GetInt64(31) == 1,
    };
}
