using System.Text;
using Conveyor.Core;
using Conveyor.Storage;
using Conveyor.Storage.Postgres;
using Conveyor.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Conveyor.Tests.Ingestion;

/// <summary>A load whose worker process dies mid-COPY is finished by another, and its rows are there exactly once.</summary>
public sealed class ExactlyOnceLoadTests
{
    private const int Rows = 400_000;

    [Fact]
    public async Task A_worker_killed_mid_load_leaves_every_row_exactly_once_after_another_finishes_it()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        await using var store = new PostgresJobStore(NpgsqlDataSource.Create(connectionString), TimeProvider.System,
            NullLogger<PostgresJobStore>.Instance);
        await store.MigrateAsync(CancellationToken.None);
        var db = new TestDatabase(Provider.Postgres, connectionString);
        var dataDirectory = Directory.CreateTempSubdirectory("conveyor-exactly-once-").FullName;
        try
        {
            var id = Guid.CreateVersion7();
            var relative = $"uploads/{id}/big.csv";
            Directory.CreateDirectory(Path.Combine(dataDirectory, "uploads", id.ToString()));
            var path = Path.Combine(dataDirectory, relative);
            await using (var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 16))
            {
                await writer.WriteAsync("id,name,city,amount,flag,day,code,note\n");
                for (var i = 1; i <= Rows; i++) await writer.WriteAsync($"{i},name {i},city {i % 97},{i * 1.5},{i % 2 == 0},2026-01-{i % 28 + 1:00},C{i % 1000},\"n, {i}\"\n");
            }
            await store.CreateWithFilesAsync([new NewUpload(new NewJob { Id = id, Type = "csv", Dataset = "kill", SourceType = "file_upload" },
                new StoredFile(id, relative, "big.csv", new FileInfo(path).Length, "0", "text/csv", DateTimeOffset.UtcNow), null, null)],
                AuditContext.System("job.upload"), CancellationToken.None);

            // The lease is 6 s, not 2: the doomed worker is the only node, so it leads and runs the sweeper itself, and
            // on a loaded two-core box its heartbeats (every 0.5 s) were once late by more than 2 s while the COPY ran.
            // It then rescued its own job and claimed it again, and the first attempt's handler, told to stop, ended
            // the second attempt as cancelled (that bug is fixed: an outcome applies only to its own attempt).
            var settings = new Dictionary<string, string>
            {
                ["Conveyor:DataDirectory"] = dataDirectory,
                ["Conveyor:Workers:LeaseDuration"] = "00:00:06",
                ["Conveyor:Workers:HeartbeatInterval"] = "00:00:00.500",
                ["Conveyor:Workers:SweepInterval"] = "00:00:00.500",
                ["Conveyor:Workers:ProgressFlushInterval"] = "00:00:00.050",
                ["Conveyor:Ingestion:ProgressEveryRows"] = "1000",
            };
            long processedAtKill;
            await using (var doomed = WorkerProcess.Start(connectionString, 1, settings))
            {
                processedAtKill = await Eventually.WaitAsync(() => db.ScalarAsync<long>("SELECT records_processed FROM jobs WHERE id = @id", id),
                    n => n > 0, TimeSpan.FromSeconds(60), "the first worker to be part-way through the load");
                doomed.KillHard();
                Assert.DoesNotContain(doomed.Lines, l => l.Contains("Rescued"));
            }
            Assert.InRange(processedAtKill, 1, Rows - 1);
            Assert.Equal("running", await db.StatusAsync(id));

            await using (var rescuer = WorkerProcess.Start(connectionString, 1, settings))
            {
                await Eventually.WaitAsync(() => db.StatusAsync(id), s => s is "succeeded" or "failed", TimeSpan.FromSeconds(120),
                    "the second worker to finish the load");
                await rescuer.StopAsync(TimeSpan.FromSeconds(30));
            }

            Assert.Equal("succeeded", await db.StatusAsync(id));
            Assert.Equal(2, await db.CountAsync("job_events", "job_id = @id AND type = 'started'", id));
            Assert.Equal(Rows, await db.ScalarAsync<long>("SELECT count(*) FROM records WHERE job_id = @id", id));
            Assert.Equal(Rows, await db.ScalarAsync<long>("SELECT count(DISTINCT row_number) FROM records WHERE job_id = @id", id));
            Assert.Equal(Rows, await db.ScalarAsync<long>("SELECT records_processed FROM jobs WHERE id = @id", id));
            Assert.Equal(1, await db.ScalarAsync<long>("SELECT min(row_number) FROM records WHERE job_id = @id", id));
            Assert.Equal(Rows, await db.ScalarAsync<long>("SELECT max(row_number) FROM records WHERE job_id = @id", id));
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }
}
