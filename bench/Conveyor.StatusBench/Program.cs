using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Conveyor.Auth;
using Conveyor.Hosting;

// Seed 002's GET /api/job/{job_id} on PostgreSQL with the Redis status cache, against two baselines in the same run:
// a bare host whose MapGet returns the very bytes the cached route answers (no key, no store, no cache), and the
// same route on a server without Redis (every read goes to PostgreSQL). wrk runs against each in turn, the order
// rotating every round so a drift of the machine's load falls on all alike; the figures are medians of requests/s
// and of the per-round ratios.
//   BENCH_PG=<npgsql connection string> BENCH_REDIS=<host:port> Conveyor.StatusBench [--seconds 10] [--rounds 6] [--connections 64]
//   Conveyor.StatusBench node --bare-payload FILE [server flags]   (see ClusterNode)
// `Conveyor.StatusBench node …` is one API node of bench/cluster/cluster.sh's two-node GET benchmark instead.
if (args is ["node", ..]) return await ClusterNode.RunAsync(args[1..]);

var seconds = BenchTools.Arg(args, "--seconds", 10);
var rounds = BenchTools.Arg(args, "--rounds", 6);
var connections = BenchTools.Arg(args, "--connections", 64);
var pg = Environment.GetEnvironmentVariable("BENCH_PG") ?? throw new InvalidOperationException("BENCH_PG is not set (bench/status/run.sh sets it).");
var redis = Environment.GetEnvironmentVariable("BENCH_REDIS") ?? throw new InvalidOperationException("BENCH_REDIS is not set.");

var key = ApiKeyGenerator.NewKey();
string[] Common(string data) => [
    "--urls=http://127.0.0.1:0", $"--Conveyor:DataDirectory={data}", "--Conveyor:Workers:Count=0", $"--Conveyor:Auth:BootstrapAdminKey={key}",
    "--Conveyor:Auth:RequestsPerKeyPerSecond=10000000", "--Logging:LogLevel:Default=Warning", "--Conveyor:Database:Provider=postgres",
    $"--ConnectionStrings:Conveyor={pg}",
];
await using var cached = ConveyorHost.BuildServer([.. Common(Directory.CreateTempSubdirectory("conveyor-statusbench-").FullName),
    $"--Conveyor:Redis:Configuration={redis}"]);
await cached.StartAsync();
await using var store = ConveyorHost.BuildServer(Common(Directory.CreateTempSubdirectory("conveyor-statusbench-").FullName));
await store.StartAsync();

using var client = new HttpClient { BaseAddress = new Uri(BenchTools.Address(cached)) };
client.DefaultRequestHeaders.Add("Authorization", "Bearer " + key);
var created = await (await client.PostAsJsonAsync("/api/v1/jobs", new { type = "noop" })).Content.ReadFromJsonAsync<JsonNode>();
var path = $"/api/job/{created!["id"]}";
var payload = await client.GetByteArrayAsync(path);

var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
builder.WebHost.UseUrls("http://127.0.0.1:0");
builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false); // as the server: one header less to write
builder.Logging.SetMinimumLevel(LogLevel.Warning);
await using var bare = builder.Build();
bare.MapGet("/api/job/{job_id}", () => TypedResults.Bytes(payload, "application/json"));
await bare.StartAsync();

var hosts = new (string Name, string Url, string? Bearer)[] { ("bare", BenchTools.Address(bare), null), ("cached", BenchTools.Address(cached), key), ("store", BenchTools.Address(store), key) };
Console.WriteLine($"GET {path} ({payload.Length} B): " + string.Join(", ", hosts.Select(h => $"{h.Name} {h.Url}")));
foreach (var host in hosts) Run(host.Name, host.Url, host.Bearer, seconds); // warm-up: JIT tiers, pools, the cache entry

var rps = hosts.ToDictionary(h => h.Name, _ => new List<double>());
var cachedOverBare = new List<double>();
var cachedOverStore = new List<double>();
for (var round = 0; round < rounds; round++)
{
    var got = new Dictionary<string, double>();
    for (var i = 0; i < hosts.Length; i++)
    {
        var host = hosts[(round + i) % hosts.Length];
        got[host.Name] = Run(host.Name, host.Url, host.Bearer, seconds);
        rps[host.Name].Add(got[host.Name]);
    }
    cachedOverBare.Add(got["cached"] / got["bare"]);
    cachedOverStore.Add(got["cached"] / got["store"]);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"round {round + 1}: cached/bare {cachedOverBare[^1]:F3}, cached/store {cachedOverStore[^1]:F3}"));
}
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"RESULT bench=status-cache bare_rps={BenchTools.Median(rps["bare"]):F0} cached_rps={BenchTools.Median(rps["cached"]):F0} store_rps={BenchTools.Median(rps["store"]):F0} " +
    $"cached_over_bare={BenchTools.Median(cachedOverBare):F3} cached_over_store={BenchTools.Median(cachedOverStore):F3} connections={connections} seconds={seconds} " +
    $"rounds={rounds} payload_bytes={payload.Length}"));
await Task.WhenAll(cached.StopAsync(), store.StopAsync(), bare.StopAsync());
return 0;

double Run(string name, string url, string? bearer, int duration)
{
    var info = new ProcessStartInfo("wrk") { RedirectStandardOutput = true, UseShellExecute = false };
    foreach (var flag in new[] { "-t2", $"-c{connections}", $"-d{duration}s" }) info.ArgumentList.Add(flag);
    if (bearer is not null)
    {
        info.ArgumentList.Add("-H");
        info.ArgumentList.Add("Authorization: Bearer " + bearer);
    }
    info.ArgumentList.Add(url + path);
    using var wrk = Process.Start(info)!;
    var output = wrk.StandardOutput.ReadToEnd();
    wrk.WaitForExit();
    if (output.Contains("Non-2xx")) throw new InvalidOperationException($"wrk saw errors from {name}:\n" + output);
    var value = double.Parse(Regex.Match(output, @"Requests/sec:\s+([\d.]+)").Groups[1].Value, CultureInfo.InvariantCulture);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {value:F0} req/s"));
    return value;
}

