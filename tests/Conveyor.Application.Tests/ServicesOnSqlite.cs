using Conveyor.Core;
using Conveyor.Ingestion;
using Conveyor.Ingestion.Handlers;
using Conveyor.Ingestion.Sources;
using Conveyor.Storage;
using Conveyor.Storage.Sqlite;
using Conveyor.Workers;
using Conveyor.Workers.Handlers;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Conveyor.Application.Tests;

/// <summary>
/// The application services over a real, migrated SQLite store in a temp directory of its own, with the handlers a
/// server registers, URL sources allowed from <see cref="AllowedHost"/> only, and a clock the test moves.
/// </summary>
public sealed class ServicesOnSqlite : IAsyncDisposable
{
    public const string AllowedHost = "data.example.com";
    public const string Actor = "key:TESTTEST";

    private readonly string _directory;
    private readonly SqliteJobStore _store;
    private readonly UrlFetcher _urls;

    private ServicesOnSqlite(string directory, FakeTimeProvider clock, SqliteJobStore store, StorageRoot root, UrlFetcher urls,
        JobHandlerRegistry handlers)
    {
        _directory = directory;
        Clock = clock;
        _store = store;
        _urls = urls;
        Root = root;
        Jobs = new JobService(store, store, handlers, urls);
        Uploads = new UploadService(store, store, Clock);
    }

    public FakeTimeProvider Clock { get; }

    public JobService Jobs { get; }

    public UploadService Uploads { get; }

    public StorageRoot Root { get; }

    public IJobStore Store => _store;

    public IScheduleStore ScheduleRuns => _store;

    public JobHandlerRegistry Handlers { get; private init; } = null!;

    public static async Task<ServicesOnSqlite> StartAsync()
    {
        var directory = Directory.CreateTempSubdirectory("conveyor-application-").FullName;
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));
        var store = new SqliteJobStore($"Data Source={Path.Combine(directory, "conveyor.db")}", time, NullLogger<SqliteJobStore>.Instance);
        await store.MigrateAsync(CancellationToken.None);
        var root = new StorageRoot(directory);
        var urls = new UrlFetcher(Options.Create(new SourceOptions { AllowedHosts = [AllowedHost] }), root);
        var ingestion = Options.Create(new IngestionOptions());
        IJobHandler[] handlers =
        [
            new NoopHandler(), new FailHandler(),
            .. new[] { "csv", "json", "ndjson" }.Select(type => new IngestHandler(type, store, store, root, urls, ingestion, time)),
        ];
        var registry = new JobHandlerRegistry(handlers);
        return new ServicesOnSqlite(directory, time, store, root, urls, registry) { Handlers = registry };
    }

    /// <summary>An audit context for <paramref name="action"/> on behalf of <see cref="Actor"/>, as the API would make it.</summary>
    public static AuditContext As(string action) => new(Actor, "operator", action) { RequestId = "req-" + action };

    public async Task<IReadOnlyList<Job>> AllJobsAsync() =>
        (await _store.ListAsync(new JobQuery { Limit = JobDefaults.MaxPageSize }, CancellationToken.None)).Items;

    public async Task<IReadOnlyList<AuditEvent>> AuditEventsAsync() =>
        await _store.ListAuditAsync(new AuditQuery { Limit = 1000 }, CancellationToken.None);

    /// <summary>A job that ran once and failed, its one attempt used, as a worker leaves it.</summary>
    public async Task<Job> AFailedJobAsync(NewJob job)
    {
        var created = await _store.CreateAsync(job with { MaxAttempts = 1 }, AuditContext.System("job.create"), CancellationToken.None);
        var claimed = await _store.ClaimAsync("worker-1", 1, TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.Equal([created.Job.Id], claimed.Select(j => j.Id));
        var written = await _store.CompleteAsync("worker-1",
            [new Completion(created.Job.Id, JobOperation.Fail, new TransitionInput { Error = "Row 3 is bad.", ErrorRef = "err-3" })],
            CancellationToken.None);
        Assert.Equal(1, written);
        var failed = await _store.GetAsync(created.Job.Id, CancellationToken.None);
        Assert.Equal(JobStatus.Failed, failed!.Status);
        return failed;
    }

    public async ValueTask DisposeAsync()
    {
        _store.Dispose();
        _urls.Dispose();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open; the OS temp cleaner takes it.
        }
        await Task.CompletedTask;
    }
}
