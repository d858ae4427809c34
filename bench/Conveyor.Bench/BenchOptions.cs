namespace Conveyor.Bench;

/// <summary>The flags of a benchmark run.</summary>
public sealed record BenchOptions(string Command, string Provider, string? Connection, int Jobs, int Workers, int Rate, int Seconds, int N, int Prefetch, int Runs, string? File)
{
    public static BenchOptions Parse(string[] args)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i + 1 < args.Length; i += 2) map[args[i].TrimStart('-')] = args[i + 1];
        int Int(string name, int fallback) => map.TryGetValue(name, out var v) ? int.Parse(v) : fallback;
        return new BenchOptions(
            args.FirstOrDefault() ?? "",
            map.GetValueOrDefault("provider", "sqlite"),
            map.GetValueOrDefault("connection") ?? Environment.GetEnvironmentVariable("BENCH_PG"),
            Int("jobs", 20_000), Int("workers", 16), Int("rate", 200), Int("seconds", 20), Int("n", 20_000), Int("prefetch", -1), Int("runs", 3), map.GetValueOrDefault("file"));
    }
}
