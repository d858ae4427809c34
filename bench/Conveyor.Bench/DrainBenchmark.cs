using System.Diagnostics;
using Conveyor.Core;
using Conveyor.Storage;
using Conveyor.Workers;
using Conveyor.Workers.Handlers;
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
            await store.CreateBatchAsync(Enumerable.Range(0, count).Select(_ => new NewJob { Type = "noop" }).ToList(), CancellationToken.None);
        }

        using var loggers = BenchStores.Quiet();
        var runtime = new WorkerRuntime(store, new JobHandlerRegistry([new NoopHandler()]),
            Options.Create(new WorkerOptions { Count = options.Workers }), WorkerIdentity.ForThisProcess(), TimeProvider.System, loggers);

        var clock = Stopwatch.StartNew();
        await runtime.StartAsync(CancellationToken.None);
        long succeeded;
        do
        {
            await Task.Delay(50);
            succeeded = (await store.ListAsync(new JobQuery { Statuses = [JobStatus.Succeeded], Limit = 1 }, CancellationToken.None)).Total;
        }
        while (succeeded < options.Jobs && clock.Elapsed < TimeSpan.FromMinutes(10));
        var elapsed = clock.Elapsed;
        await runtime.StopAsync(CancellationToken.None);
        await runtime.DisposeAsync();
        if (store is IAsyncDisposable disposable) await disposable.DisposeAsync();

        Console.WriteLine($"RESULT bench=drain provider={options.Provider} jobs={options.Jobs} workers={options.Workers} " +
            $"seconds={elapsed.TotalSeconds:F2} jobs_per_sec={options.Jobs / elapsed.TotalSeconds:F0} completed={succeeded}");
        return succeeded == options.Jobs ? 0 : 1;
    }
}
