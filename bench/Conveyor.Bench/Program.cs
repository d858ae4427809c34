using Conveyor.Bench;

// Load runs for docs/benchmarks.md; bench/run.sh runs them beside their baselines in one go.
//   drain     --provider sqlite|postgres --jobs 20000 --workers 16 [--connection CS]
//   latency   --provider sqlite|postgres --rate 200 --seconds 20 --workers 16 [--connection CS]
//   prune     --provider postgres --n 1000000 --rate 200 --seconds 20 --workers 16 [--connection CS]   enqueue -> start while pruning
//   sqlite-baseline --n 20000     single-row insert-then-update transactions on a WAL database, synchronous=FULL
//   sqlite-load --n 1000000 --runs 3 [--file CSV]   CSV parse + SQLite load vs sqlite3 .import of the same file
var options = BenchOptions.Parse(args);
return options.Command switch
{
    "drain" => await DrainBenchmark.RunAsync(options),
    "latency" => await LatencyBenchmark.RunAsync(options),
    "sqlite-baseline" => await SqliteBaseline.RunAsync(options),
    "sqlite-load" => await SqliteLoadBenchmark.RunAsync(options),
    "prune" => await PruneBenchmark.RunAsync(options),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Conveyor.Bench drain|latency|sqlite-baseline|sqlite-load [--provider sqlite|postgres] [--connection CS] [--jobs N] [--workers N] [--rate N] [--seconds N] [--n N] [--runs N] [--file CSV]");
    return 2;
}
