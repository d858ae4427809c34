using Conveyor.Core;
using Conveyor.Storage;
using Conveyor.Workers;
using Conveyor.Workers.Handlers;
using Microsoft.Extensions.Options;

namespace Conveyor.Bench;

/// <summary>
/// Enqueues single jobs at a steady rate and reports enqueue → start latency (started_at − created_at, both
/// stamped by the same clock). On PostgreSQL the enqueuer uses its own store instance, so the workers learn of
/// new jobs only through LISTEN/NOTIFY; the poll interval is set to 10 s so polling cannot hide a lost wake-up.
/// </summary>
public static class LatencyBenchmark
{
    public static async Task<int> RunAsync(BenchOptions options)
    {
        await BenchStores.ResetAsync(options);
        var workerStore = await BenchStores.OpenAsync(options);
        var enqueueStore = options.Provider == "postgres" ? await BenchStores.OpenAsync(options) : workerStore;

        using var loggers = BenchStores.Quiet();
        var runtime = new WorkerRuntime(workerStore, new JobHandlerRegistry([new NoopHandler()]),
            Options.Create(new WorkerOptions { Count = options.Workers, PollInterval = TimeSpan.FromSeconds(10) }),
            WorkerIdentity.ForThisProcess(), TimeProvider.System, loggers);
        await runtime.StartAsync(CancellationToken.None);
        await Task.Delay(500); // the listener connects

        var total = options.Rate * options.Seconds;
        var ids = new List<Guid>(total);
        using (var timer = new PeriodicTimer(TimeSpan.FromSeconds(1.0 / options.Rate)))
        {
            for (var i = 0; i < total && await timer.WaitForNextTickAsync(); i++)
            {
                ids.Add((await enqueueStore.CreateAsync(new NewJob { Type = "noop" }, AuditContext.System("job.create"), CancellationToken.None)).Job.Id);
            }
        }

        var latencies = new List<double>(total);
        foreach (var id in ids)
        {
            Job? job;
            do
            {
                job = await workerStore.GetAsync(id, CancellationToken.None);
                if (job?.StartedAt is null) await Task.Delay(10);
            }
            while (job?.StartedAt is null);
            latencies.Add((job.StartedAt!.Value - job.CreatedAt).TotalMilliseconds);
        }
        await runtime.StopAsync(CancellationToken.None);
        await runtime.DisposeAsync();

        latencies.Sort();
        double P(double q) => latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(q * latencies.Count) - 1)];
        Console.WriteLine($"RESULT bench=latency provider={options.Provider} rate={options.Rate} jobs={total} " +
            $"p50_ms={P(0.50):F1} p95_ms={P(0.95):F1} p99_ms={P(0.99):F1} max_ms={latencies[^1]:F1}");
        return 0;
    }
}
