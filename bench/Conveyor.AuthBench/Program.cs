using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Conveyor.Api.Json;
using Conveyor.Api.V1;
using Conveyor.Auth;
using Conveyor.Hosting;
using Conveyor.Storage;
using Microsoft.AspNetCore.Diagnostics;

// What authentication and authorization cost on GET /api/v1/jobs/{id}: the real server (key, policy, rate limiter,
// security headers) beside a benchmark-only host that maps the same handler over the same store with none of it.
// wrk runs against each in turn, several rounds, in one process run. Each round runs both, back to back and in
// alternating order (bare then auth, auth then bare, …) so a drift of the machine's load falls on both alike; the
// figure is the median of the rounds' ratios of p50 latency.
// With --wrk-cpus, wrk runs under `taskset -c <cpus>`; start this process under taskset on the other cores
// (`taskset -c 0 dotnet Conveyor.AuthBench.dll --wrk-cpus 1`), so wrk does not compete with the server for a core.
// Pinned from outside, not by this process: the runtime sizes its GC heaps and thread pool by the cores it starts on.
//   Conveyor.AuthBench [--seconds 10] [--rounds 10] [--connections 64] [--threads 1|2] [--wrk-cpus 1]
var seconds = BenchTools.Arg(args, "--seconds", 10);
var rounds = BenchTools.Arg(args, "--rounds", 10);
var connections = BenchTools.Arg(args, "--connections", 64);
var wrkCpus = BenchTools.StringArg(args, "--wrk-cpus");
var threads = BenchTools.Arg(args, "--threads", wrkCpus is null ? 2 : 1);

var data = Directory.CreateTempSubdirectory("conveyor-authbench-").FullName;
var key = ApiKeyGenerator.NewKey();
await using var server = ConveyorHost.BuildServer([
    "--urls=http://127.0.0.1:0", $"--Conveyor:DataDirectory={data}", "--Conveyor:Workers:Count=0", $"--Conveyor:Auth:BootstrapAdminKey={key}",
    "--Conveyor:Auth:RequestsPerKeyPerSecond=10000000", "--Logging:LogLevel:Default=Warning",
]);
await server.StartAsync();
var secured = BenchTools.Address(server);

// The bare host: the same handler and job cache, JSON options, problem details, exception handler and security headers over the
// server's own store; only authentication, authorization and the rate limiter are missing.
// The content root is the binary's folder, as the server's: from the working directory (often /tmp) the host's
// configuration watcher would take file events from everything under it.
var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
builder.WebHost.UseUrls("http://127.0.0.1:0");
builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false); // as the server: one header less to write
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.ConfigureHttpJsonOptions(o => ConveyorJson.Configure(o.SerializerOptions));
builder.Services.AddSingleton(server.Services.GetRequiredService<IJobReader>());
builder.Services.AddSingleton(server.Services.GetRequiredService<Conveyor.Caching.IJobCache>());
builder.Services.AddProblemDetails();
await using var bare = builder.Build();
bare.UseSecurityHeaders();
bare.UseExceptionHandler(new ExceptionHandlerOptions { StatusCodeSelector = _ => StatusCodes.Status500InternalServerError });
bare.UseStatusCodePages();
bare.MapGet("/api/v1/jobs/{id}", (string id, IJobReader store, Conveyor.Caching.IJobCache cache, CancellationToken ct) =>
    JobsEndpoints.GetAsync(id, store, cache, ct));
await bare.StartAsync();
var open = BenchTools.Address(bare);

using var client = new HttpClient { BaseAddress = new Uri(secured) };
client.DefaultRequestHeaders.Add("Authorization", "Bearer " + key);
var created = await (await client.PostAsJsonAsync("/api/v1/jobs", new { type = "noop" })).Content.ReadFromJsonAsync<JsonNode>();
var path = $"/api/v1/jobs/{created!["id"]}";
Console.WriteLine($"auth host {secured}, bare host {open}, GET {path}");

var withAuth = new List<Sample>();
var without = new List<Sample>();
var ratios = new List<double>();
Run(open, path, null, seconds); // warm-up of both hosts and the store (JIT tiers, SQLite page cache)
Run(secured, path, key, seconds);
for (var round = 0; round < rounds; round++)
{
    Sample bareRun, authRun;
    if (round % 2 == 0)
    {
        bareRun = Run(open, path, null, seconds);
        authRun = Run(secured, path, key, seconds);
    }
    else
    {
        authRun = Run(secured, path, key, seconds);
        bareRun = Run(open, path, null, seconds);
    }
    without.Add(bareRun);
    withAuth.Add(authRun);
    ratios.Add(authRun.P50 / bareRun.P50);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round + 1}: ratio {authRun.P50 / bareRun.P50:F3}"));
}
var a = BenchTools.Median(withAuth.Select(s => s.P50));
var b = BenchTools.Median(without.Select(s => s.P50));
// Diagnostics beside the figure: this process's CPU time and allocations per request, less sensitive to the load of
// the rest of the machine than latency is (wrk is another process, so neither counts it).
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"CPU per request: auth {BenchTools.Median(withAuth.Select(s => s.CpuMicroseconds)):F1} us, bare {BenchTools.Median(without.Select(s => s.CpuMicroseconds)):F1} us; " +
    $"allocated per request: auth {BenchTools.Median(withAuth.Select(s => s.AllocatedBytes)):F0} B, bare {BenchTools.Median(without.Select(s => s.AllocatedBytes)):F0} B"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"RESULT auth_p50_ms={a:F3} bare_p50_ms={b:F3} ratio={BenchTools.Median(ratios):F3} ratio_min={ratios.Min():F3} ratio_max={ratios.Max():F3} " +
    $"connections={connections} threads={threads} server_cpus={Environment.ProcessorCount} wrk_cpus={wrkCpus ?? "any"} seconds={seconds} rounds={rounds}"));
await server.StopAsync();
await bare.StopAsync();
return 0;

Sample Run(string baseUrl, string route, string? bearer, int duration)
{
    var info = new ProcessStartInfo(wrkCpus is null ? "wrk" : "taskset") { RedirectStandardOutput = true, UseShellExecute = false };
    // Without taskset, wrk would inherit this process's cores.
    if (wrkCpus is not null) foreach (var word in new[] { "-c", wrkCpus, "wrk" }) info.ArgumentList.Add(word);
    foreach (var flag in new[] { $"-t{threads}", $"-c{connections}", $"-d{duration}s", "--latency" }) info.ArgumentList.Add(flag);
    if (bearer is not null)
    {
        info.ArgumentList.Add("-H");
        info.ArgumentList.Add("Authorization: Bearer " + bearer);
    }
    info.ArgumentList.Add(baseUrl + route);
    var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
    var allocatedBefore = GC.GetTotalAllocatedBytes();
    using var wrk = Process.Start(info)!;
    var output = wrk.StandardOutput.ReadToEnd();
    wrk.WaitForExit();
    var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
    var allocated = GC.GetTotalAllocatedBytes() - allocatedBefore;
    if (output.Contains("Non-2xx")) throw new InvalidOperationException("wrk saw errors:\n" + output);
    var avg = Milliseconds(Regex.Match(output, @"Latency\s+([\d.]+)(us|ms|s)"));
    // The median is the figure: on a shared machine the average swings with a few stalls of the whole box.
    var p50 = Milliseconds(Regex.Match(output, @"50%\s+([\d.]+)(us|ms|s)"));
    var rps = Regex.Match(output, @"Requests/sec:\s+([\d.]+)").Groups[1].Value;
    // Bytes per response (headers and body), to see that both hosts answer alike.
    var transfer = Regex.Match(output, @"(\d+) requests in .*?, ([\d.]+)(B|KB|MB|GB) read");
    var requests = double.Parse(transfer.Groups[1].Value, CultureInfo.InvariantCulture);
    var bytes = double.Parse(transfer.Groups[2].Value, CultureInfo.InvariantCulture)
        * transfer.Groups[3].Value switch { "KB" => 1024, "MB" => 1024 * 1024, "GB" => 1024 * 1024 * 1024, _ => 1 } / requests;
    var sample = new Sample(p50, cpu.TotalMicroseconds / requests, allocated / requests);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{(bearer is null ? "bare" : "auth")}: latency p50 {p50:F3} ms, avg {avg:F3} ms, {rps} req/s, {bytes:F0} B/response, " +
        $"{sample.CpuMicroseconds:F1} us CPU and {sample.AllocatedBytes:F0} B allocated per request"));
    return sample;
}

static double Milliseconds(Match m) =>
    double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) * m.Groups[2].Value switch { "us" => 0.001, "s" => 1000, _ => 1 };

/// <summary>One wrk run: its p50 latency, and this process's CPU time and allocations per request during it.</summary>
internal sealed record Sample(double P50, double CpuMicroseconds, double AllocatedBytes);
