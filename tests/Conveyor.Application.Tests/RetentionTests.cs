using Conveyor.Application.Retention;
using Conveyor.Core;
using Conveyor.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Conveyor.Application.Tests;

/// <summary>The leader's pruner and upload sweeper on a real SQLite store and real files, with a clock the test moves.</summary>
public sealed class RetentionTests : IAsyncLifetime
{
    private ServicesOnSqlite _services = null!;

    public async Task InitializeAsync() => _services = await ServicesOnSqlite.StartAsync();

    public async Task DisposeAsync() => await _services.DisposeAsync();

    private IOptions<RetentionOptions> Options(double days = 7) => Microsoft.Extensions.Options.Options.Create(new RetentionOptions { Days = days, BatchSize = 2 });

    private IJobRetention Retention => (IJobRetention)_services.Store;

    /// <summary>A stored upload whose file is on disk, failed (so it loaded nothing), as a worker leaves it.</summary>
    private async Task<(Job Job, string Full)> AFailedUploadAsync()
    {
        var job = new NewJob { Type = "csv", MaxAttempts = 1, Dataset = "d" };
        var relative = Path.Combine("uploads", Guid.NewGuid().ToString(), "a.csv");
        var full = _services.Root.Resolve(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        await File.WriteAllTextAsync(full, "a,b\n1,2\n");
        await ((IUploadStore)_services.Store).CreateWithFilesAsync(
            [new NewUpload(job, new StoredFile(job.Id, relative, "a.csv", 8, "x", "text/csv", _services.Clock.GetUtcNow()), null, null)],
            AuditContext.System("job.upload"), CancellationToken.None);
        Assert.Single(await _services.Store.ClaimAsync("w", 1, TimeSpan.FromMinutes(1), CancellationToken.None));
        Assert.Equal(1, await _services.Store.CompleteAsync("w",
            [new Completion(job.Id, JobOperation.Fail, new TransitionInput { Error = "bad" })], CancellationToken.None));
        return ((await _services.Store.GetAsync(job.Id, CancellationToken.None))!, full);
    }

    [Fact]
    public async Task The_pruner_deletes_old_finished_jobs_in_batches_with_their_files_and_leaves_younger_ones()
    {
        var old = new List<(Job Job, string Full)>();
        for (var i = 0; i < 5; i++) old.Add(await AFailedUploadAsync());
        _services.Clock.Advance(TimeSpan.FromDays(8));
        var young = await AFailedUploadAsync();
        var audits = (await _services.AuditEventsAsync()).Count;

        await new JobPruner(Retention, _services.Root, Options(), _services.Clock, NullLogger<JobPruner>.Instance).RunOnceAsync(CancellationToken.None);

        foreach (var (job, full) in old)
        {
            Assert.Null(await _services.Store.GetAsync(job.Id, CancellationToken.None));
            Assert.False(File.Exists(full));
            Assert.False(Directory.Exists(Path.GetDirectoryName(full)));
        }
        Assert.NotNull(await _services.Store.GetAsync(young.Job.Id, CancellationToken.None));
        Assert.True(File.Exists(young.Full));
        Assert.Equal(audits, (await _services.AuditEventsAsync()).Count);
    }

    [Fact]
    public async Task The_pruner_does_nothing_while_days_is_zero()
    {
        var (job, full) = await AFailedUploadAsync();
        _services.Clock.Advance(TimeSpan.FromDays(3650));
        await new JobPruner(Retention, _services.Root, Options(days: 0), _services.Clock, NullLogger<JobPruner>.Instance).RunOnceAsync(CancellationToken.None);
        Assert.NotNull(await _services.Store.GetAsync(job.Id, CancellationToken.None));
        Assert.True(File.Exists(full));
    }

    [Fact]
    public async Task The_sweeper_removes_old_upload_directories_no_job_stores_and_keeps_young_ones_and_stored_files()
    {
        var now = _services.Clock.GetUtcNow().UtcDateTime;
        string Orphan(TimeSpan age)
        {
            var directory = Path.Combine(_services.Root.FullPath, "uploads", Guid.NewGuid().ToString());
            Directory.CreateDirectory(directory);
            var file = Path.Combine(directory, "half.csv");
            File.WriteAllText(file, "a,b\n");
            File.SetLastWriteTimeUtc(file, now - age);
            Directory.SetLastWriteTimeUtc(directory, now - age);
            return directory;
        }
        var old = Orphan(TimeSpan.FromHours(2));
        var young = Orphan(TimeSpan.FromMinutes(10));
        var (_, stored) = await AFailedUploadAsync();
        File.SetLastWriteTimeUtc(stored, now - TimeSpan.FromHours(5));
        Directory.SetLastWriteTimeUtc(Path.GetDirectoryName(stored)!, now - TimeSpan.FromHours(5));

        await new UploadSweeper(Retention, _services.Root, Options(), _services.Clock, NullLogger<UploadSweeper>.Instance).RunOnceAsync(CancellationToken.None);

        Assert.False(Directory.Exists(old));
        Assert.True(Directory.Exists(young));
        Assert.True(File.Exists(stored));
    }
}
