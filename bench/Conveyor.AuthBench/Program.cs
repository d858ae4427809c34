using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Conveyor.Api.Json;
using Conveyor.Api.V1;
using Conveyor.Hosting;
using Conveyor.Storage;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

// What authentication and authorization cost on GET /api/v1/jobs/{id}: the real server (key, policy, rate limiter,
// security headers) beside a benchmark-only host that maps the same handler over the same store with none of it.
// wrk runs against each in turn, several rounds, in one process run, and the ratio of the medians is the figure.
//   Conveyor.AuthBench [--seconds 10] [--rounds 3] [--connections 64] [--threads 2]
var seconds = Arg("--seconds", 10);
var rounds = Arg("--rounds", 3);
var connections = Arg("--connections", 64);
var threads = Arg("--threads", 2);

var data = Directory.CreateTempSubdirectory("conveyor-authbench-").FullName;
var key = ApiKeyGenerator.NewKey();
await using var server = ConveyorHost.BuildServer([
    "--urls=http://127.0.0.1:0", $"--Conveyor:DataDirectory={data}", "--Conveyor:Workers:Count=0", $"--Conveyor:Auth:BootstrapAdminKey={key}",
    "--Conveyor:Auth:RequestsPerKeyPerSecond=10000000", "--Logging:LogLevel:Default=Warning",
]);
await server.StartAsync();
var secured = Address(server);

// The bare host: the same handler, JSON options, problem details, exception handler and security headers over the
// server's own store; only authentication, authorization and the rate limiter are missing.
var builder = WebApplication.CreateSlimBuilder();
builder.WebHost.UseUrls("http://127.0.0.1:0");
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.ConfigureHttpJsonOptions(o => ConveyorJson.Configure(o.SerializerOptions));
builder.Services.AddSingleton(server.Services.GetRequiredService<IJobStore>());
builder.Services.AddProblemDetails();
await using var bare = builder.Build();
bare.UseSecurityHeaders();
bare.UseExceptionHandler(new ExceptionHandlerOptions { StatusCodeSelector = _ => StatusCodes.Status500InternalServerError });
bare.UseStatusCodePages();
bare.MapGet("/api/v1/jobs/{id}", (string id, IJobStore store, CancellationToken ct) => JobsEndpoints.GetAsync(id, store, ct));
await bare.StartAsync();
var open = Address(bare);

using var client = new HttpClient { BaseAddress = new Uri(secured) };
client.DefaultRequestHeaders.Add("Authorization", "Bearer " + key);
var created = await (await client.PostAsJsonAsync("/api/v1/jobs", new { type = "noop" })).Content.ReadFromJsonAsync<JsonNode>();
var path = $"/api/v1/jobs/{created!["id"]}";

var withAuth = new List<double>();
var without = new List<double>();
Run(open, path, null, seconds); // warm-up of both hosts and the store (JIT tiers, SQLite page cache)
Run(secured, path, key, seconds);
for (var round = 0; round < rounds; round++)
{
    without.Add(Run(open, path, null, seconds));
    withAuth.Add(Run(secured, path, key, seconds));
}
var a = Median(withAuth);
var b = Median(without);
Console.WriteLine(FormattableString.Invariant(
    $"RESULT auth_p50_ms={a:F3} bare_p50_ms={b:F3} ratio={a / b:F3} connections={connections} seconds={seconds} rounds={rounds}"));
await server.StopAsync();
await bare.StopAsync();
return 0;

double Run(string baseUrl, string route, string? bearer, int duration)
{
    var info = new ProcessStartInfo("wrk") { RedirectStandardOutput = true, UseShellExecute = false };
    foreach (var flag in new[] { $"-t{threads}", $"-c{connections}", $"-d{duration}s", "--latency" }) info.ArgumentList.Add(flag);
    if (bearer is not null)
    {
        info.ArgumentList.Add("-H");
        info.ArgumentList.Add("Authorization: Bearer " + bearer);
    }
    info.ArgumentList.Add(baseUrl + route);
    using var wrk = Process.Start(info)!;
    var output = wrk.StandardOutput.ReadToEnd();
    wrk.WaitForExit();
    if (output.Contains("Non-2xx")) throw new InvalidOperationException("wrk saw errors:\n" + output);
    var avg = Milliseconds(Regex.Match(output, @"Latency\s+([\d.]+)(us|ms|s)"));
    // The median is the figure: on a shared machine the average swings with a few stalls of the whole box.
    var p50 = Milliseconds(Regex.Match(output, @"50%\s+([\d.]+)(us|ms|s)"));
    var rps = Regex.Match(output, @"Requests/sec:\s+([\d.]+)").Groups[1].Value;
    Console.WriteLine($"{(bearer is null ? "bare" : "auth")}: latency p50 {p50:F3} ms, avg {avg:F3} ms, {rps} req/s");
    return p50;
}

static double Milliseconds(Match m) =>
    double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) * m.Groups[2].Value switch { "us" => 0.001, "s" => 1000, _ => 1 };

static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

static string Address(WebApplication app) =>
    app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}
