using System.Diagnostics;
using Conveyor.Core;
using Conveyor.Storage;
using Conveyor.Workers;
using Microsoft.Extensions.Options;

namespace Conveyor.Bench;

/// <summary>Enqueues N noop jobs, then times how fast an in-process worker pool drains them to succeeded.</summary>
public static class DrainBenchmark
{
    public static async Task<int> RunAsync(BenchOptions options)
    {
        await BenchStores.ResetAsync(options);
        var store = await BenchStores.OpenAsync(options);
        for (var done = 0; done < options.Jobs; done += JobDefaults.MaxBatchSize)
        {
            var count = Math.Min(JobDefaults.MaxBatchSize, options.Jobs - done);
            await store.CreateBatchAsync(Enumerable.Range(0, count).Select(_ => new NewJob { Type = "noop" }).ToList(), AuditContext.System("job.create"), CancellationToken.None);
        }

        using var loggers = BenchStores.Quiet();
        var counter = new CountingHandler(options.Jobs);
        var measured = new MeasuredStore(store);
        var runtime = new WorkerRuntime(measured, new JobHandlerRegistry([counter]),
            Options.Create(new WorkerOptions { Count = options.Workers, Prefetch = options.Prefetch }), WorkerIdentity.ForThisProcess(), TimeProvider.System, loggers);

        var clock = Stopwatch.StartNew();
        await runtime.StartAsync(CancellationToken.None);
        // Every handler has run; then the last outcomes reach the store (polled only from here on).
        await counter.AllRan.WaitAsync(TimeSpan.FromMinutes(10));
        long succeeded;
        while ((succeeded = await CountSucceededAsync(store)) < options.Jobs && clock.Elapsed < TimeSpan.FromMinutes(10))
        {
            await Task.Delay(5);
        }
        var elapsed = clock.Elapsed;
        await runtime.StopAsync(CancellationToken.None);
        await runtime.DisposeAsync();
        if (store is IAsyncDisposable disposable) await disposable.DisposeAsync();

        Console.WriteLine($"RESULT bench=drain provider={options.Provider} jobs={options.Jobs} workers={options.Workers} " +
            $"seconds={elapsed.TotalSeconds:F2} jobs_per_sec={options.Jobs / elapsed.TotalSeconds:F0} completed={succeeded} {measured.Summary}");
        return succeeded == options.Jobs ? 0 : 1;
    }

    private static async Task<long> CountSucceededAsync(IJobStore store) =>
        (await store.ListAsync(new JobQuery { Statuses = [JobStatus.Succeeded], Limit = 1 }, CancellationToken.None)).Total;
}
