using Conveyor.Core;
using Conveyor.Storage;
using Conveyor.Storage.Postgres;
using Conveyor.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Xunit.Abstractions;

namespace Conveyor.Tests.Operations;

/// <summary>A type's concurrency and its pause switch across three real worker processes on one PostgreSQL.</summary>
public sealed class TypeLimitProcessTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, string> Settings = new()
    {
        ["Conveyor:Types:sleep:Concurrency"] = "2",
        ["Conveyor:Workers:PollInterval"] = "00:00:00.200",
    };

    [Fact]
    public async Task Three_worker_processes_never_run_more_jobs_of_a_limited_type_than_its_concurrency_and_a_paused_type_waits()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        await using var store = new PostgresJobStore(NpgsqlDataSource.Create(connectionString), TimeProvider.System, NullLogger<PostgresJobStore>.Instance);
        await store.MigrateAsync(CancellationToken.None);
        var db = new TestDatabase(Provider.Postgres, connectionString);
        await using var a = WorkerProcess.Start(connectionString, 4, Settings);
        await using var b = WorkerProcess.Start(connectionString, 4, Settings);
        await using var c = WorkerProcess.Start(connectionString, 4, Settings);
        // All three are up before the jobs are queued: on a loaded box a process start takes seconds, and the first one
        // up would otherwise run all eight jobs (two at a time) before the others claim.
        foreach (var process in new[] { a, b, c })
        {
            await Eventually.WaitAsync(() => Task.FromResult(process.Lines.Any(l => l.Contains("Workers started"))), up => up,
                TimeSpan.FromSeconds(60), "the three worker processes to start");
        }

        var sleeps = await store.CreateBatchAsync(Enumerable.Range(0, 8)
            .Select(_ => new NewJob { Type = "sleep", Metadata = JobMetadata.Parse("""{"seconds": 1}""") }).ToList(), AuditContext.System("job.create"), CancellationToken.None);

        // Sampled from the store every 50 ms until every job has finished.
        var most = 0L;
        var samples = 0;
        var deadline = DateTimeOffset.UtcNow.AddMinutes(2);
        while (await db.CountAsync("jobs", "type = 'sleep' AND status = 'succeeded'") < sleeps.Count)
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, "every sleep job should finish within two minutes");
            most = Math.Max(most, await db.CountAsync("jobs", "type = 'sleep' AND status = 'running'"));
            samples++;
            await Task.Delay(50);
        }
        output.WriteLine($"{samples} samples, at most {most} running");
        Assert.Equal(2, most);
        var owners = await db.CountAsync("(SELECT DISTINCT actor FROM job_events WHERE type = 'started') s");
        Assert.True(owners >= 2, $"the jobs ran on {owners} process(es); the limit is meant to hold across several");

        Assert.True(await store.PauseTypeAsync("noop", AuditContext.System("type.pause"), CancellationToken.None));
        var held = await store.CreateBatchAsync(Enumerable.Range(0, 5).Select(_ => new NewJob { Type = "noop" }).ToList(),
            AuditContext.System("job.create"), CancellationToken.None);
        var later = (await store.CreateAsync(new NewJob { Type = "sleep", Metadata = JobMetadata.Parse("""{"seconds": 0}""") },
            AuditContext.System("job.create"), CancellationToken.None)).Job;
        await Eventually.WaitAsync(() => db.StatusAsync(later.Id), s => s == "succeeded", TimeSpan.FromSeconds(60), "a later job of another type to run");
        Assert.Equal(held.Count, await db.CountAsync("jobs", "type = 'noop' AND status = 'queued'"));
        Assert.Equal(0, await db.CountAsync("job_events e JOIN jobs j ON j.id = e.job_id", "j.type = 'noop' AND e.type = 'started'"));

        Assert.True(await store.ResumeTypeAsync("noop", AuditContext.System("type.resume"), CancellationToken.None));
        await Eventually.WaitAsync(() => db.CountAsync("jobs", "type = 'noop' AND status = 'succeeded'"), n => n == held.Count,
            TimeSpan.FromSeconds(60), "the paused jobs to run once resumed");
    }
}
