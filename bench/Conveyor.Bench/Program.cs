using Conveyor.Bench;

// Load runs for docs/benchmarks.md; bench/run.sh runs them beside their baselines in one go.
//   drain     --provider sqlite|postgres --jobs 20000 --workers 16 [--connection CS]
//   latency   --provider sqlite|postgres --rate 200 --seconds 20 --workers 16 [--connection CS]
//   sqlite-baseline --n 20000     single-row insert-then-update transactions on a WAL database, synchronous=FULL
var options = BenchOptions.Parse(args);
return options.Command switch
{
    "drain" => await DrainBenchmark.RunAsync(options),
    "latency" => await LatencyBenchmark.RunAsync(options),
    "sqlite-baseline" => await SqliteBaseline.RunAsync(options),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Conveyor.Bench drain|latency|sqlite-baseline [--provider sqlite|postgres] [--connection CS] [--jobs N] [--workers N] [--rate N] [--seconds N] [--n N]");
    return 2;
}
