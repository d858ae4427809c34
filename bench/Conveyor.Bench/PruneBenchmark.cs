using Conveyor.Core;
using Conveyor.Storage;
using Conveyor.Workers;
using Conveyor.Workers.Handlers;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Conveyor.Bench;

/// <summary>
/// Retention under load (PostgreSQL): <c>--n</c> finished jobs (each with its created, started and succeeded events),
/// finished eight days ago, then noop jobs enqueued at <c>--rate</c> per second and claimed by <c>--workers</c> workers,
/// first for <c>--seconds</c> with nothing else going on (the baseline), then while the pruner deletes every old job in
/// batches of 500 (what the leader's JobPruner does). Reports enqueue → start p99 of both phases and the pruning rate.
/// </summary>
public static class PruneBenchmark
{
    public static async Task<int> RunAsync(BenchOptions options)
    {
        if (options.Provider != "postgres") throw new InvalidOperationException("prune runs on PostgreSQL.");
        await BenchStores.ResetAsync(options);
        var workerStore = await BenchStores.OpenAsync(options);
        var enqueueStore = await BenchStores.OpenAsync(options);
        var pruneStore = (IJobRetention)await BenchStores.OpenAsync(options);
        var started = DateTimeOffset.UtcNow;
        await FillAsync(options.Connection!, options.N);
        Console.WriteLine($"filled {options.N} finished jobs in {(DateTimeOffset.UtcNow - started).TotalSeconds:F0} s");

        using var loggers = BenchStores.Quiet();
        var runtime = new WorkerRuntime(workerStore, new JobHandlerRegistry([new NoopHandler()]),
            Options.Create(new WorkerOptions { Count = options.Workers, PollInterval = TimeSpan.FromSeconds(10) }),
            WorkerIdentity.ForThisProcess(), TimeProvider.System, loggers);
        await runtime.StartAsync(CancellationToken.None);
        await Task.Delay(500); // the listener connects

        var baseline = await EnqueueAsync(enqueueStore, workerStore, options.Rate, () => Task.FromResult(false), TimeSpan.FromSeconds(options.Seconds));

        var pruned = 0L;
        var pruneStarted = DateTimeOffset.UtcNow;
        var cutoff = DateTimeOffset.UtcNow.AddDays(-7);
        var pruning = Task.Run(async () =>
        {
            PrunedJobs batch;
            do
            {
                batch = await pruneStore.PruneFinishedAsync(cutoff, 500, withRecords: false, CancellationToken.None);
                Interlocked.Add(ref pruned, batch.Jobs);
            }
            while (batch.Jobs > 0);
        });
        var during = await EnqueueAsync(enqueueStore, workerStore, options.Rate, () => Task.FromResult(pruning.IsCompleted), TimeSpan.FromMinutes(10));
        await pruning;
        var pruneSeconds = (DateTimeOffset.UtcNow - pruneStarted).TotalSeconds;
        await runtime.StopAsync(CancellationToken.None);
        await runtime.DisposeAsync();

        Console.WriteLine($"RESULT bench=prune n={options.N} pruned={pruned} prune_s={pruneSeconds:F1} prune_per_s={pruned / pruneSeconds:F0} rate={options.Rate} " +
            $"baseline_jobs={baseline.Count} baseline_p99_ms={P(baseline, 0.99):F1} baseline_p50_ms={P(baseline, 0.5):F1} " +
            $"pruning_jobs={during.Count} pruning_p99_ms={P(during, 0.99):F1} pruning_p50_ms={P(during, 0.5):F1} max_ms={during[^1]:F1}");
        return 0;
    }

    private static double P(List<double> sorted, double q) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];

    /// <summary>Enqueues at <paramref name="rate"/> per second until <paramref name="stop"/> says so or <paramref name="most"/> passed; the sorted latencies.</summary>
    private static async Task<List<double>> EnqueueAsync(IJobStore enqueue, IJobStore read, int rate, Func<Task<bool>> stop, TimeSpan most)
    {
        var ids = new List<Guid>();
        var until = DateTimeOffset.UtcNow + most;
        using (var timer = new PeriodicTimer(TimeSpan.FromSeconds(1.0 / rate)))
        {
            while (DateTimeOffset.UtcNow < until && !await stop() && await timer.WaitForNextTickAsync())
                ids.Add((await enqueue.CreateAsync(new NewJob { Type = "noop" }, AuditContext.System("job.create"), CancellationToken.None)).Job.Id);
        }
        var latencies = new List<double>(ids.Count);
        foreach (var id in ids)
        {
            Job? job;
            do
            {
                job = await read.GetAsync(id, CancellationToken.None);
                if (job?.StartedAt is null) await Task.Delay(10);
            }
            while (job?.StartedAt is null);
            latencies.Add((job.StartedAt!.Value - job.CreatedAt).TotalMilliseconds);
        }
        latencies.Sort();
        return latencies;
    }

    /// <summary>Finished jobs straight in SQL, 100,000 per statement, with the three events a real run leaves.</summary>
    private static async Task FillAsync(string connection, int n)
    {
        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync();
        for (var from = 0; from < n; from += 100_000)
        {
            var count = Math.Min(100_000, n - from);
            await using var fill = new NpgsqlCommand($$"""
                WITH made AS (
                    INSERT INTO jobs (id, type, status, attempt, max_attempts, scheduled_at, created_at, started_at, completed_at, updated_at, created_by)
                    SELECT gen_random_uuid(), 'noop', 'succeeded', 1, 3, t, t, t, t, t, 'bench'
                    FROM (SELECT now() - interval '8 days' - make_interval(secs => g / 1000.0) AS t FROM generate_series(1, {{count}}) g) s
                    RETURNING id, completed_at
                )
                INSERT INTO job_events (job_id, type, from_status, to_status, at, actor, data)
                SELECT id, e.type, e.from_status, e.to_status, completed_at, 'bench', '{}'
                FROM made CROSS JOIN (VALUES ('created', NULL, 'queued'), ('started', 'queued', 'running'), ('succeeded', 'running', 'succeeded')) e (type, from_status, to_status)
                """, db) { CommandTimeout = 600 };
            await fill.ExecuteNonQueryAsync();
        }
        // One statement a command: VACUUM refuses to run inside the implicit transaction of a multi-statement one.
        foreach (var table in new[] { "jobs", "job_events" })
        {
            await using var analyze = new NpgsqlCommand($"VACUUM ANALYZE {table}", db) { CommandTimeout = 600 };
            await analyze.ExecuteNonQueryAsync();
        }
    }
}
