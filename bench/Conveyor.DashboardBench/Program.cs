using System.Diagnostics;
using System.Globalization;
using Conveyor.DashboardBench;

// The dashboard's two benchmarks (bench/dashboard/run.sh): the queue's first page at a million jobs in PostgreSQL
// (queue), and the CPU of 500 idle job streams on one node (streams). Each prints its figures and a RESULT line.
var mode = args.FirstOrDefault() ?? "queue";
return mode switch
{
    "queue" => await QueueBench.RunAsync(args),
    "streams" => await StreamBench.RunAsync(args),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Conveyor.DashboardBench queue|streams [--jobs N] [--rounds N] [--streams N] [--seconds N]");
    return 2;
}
