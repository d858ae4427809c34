using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Conveyor.DashboardBench;

/// <summary>
/// What open job streams cost a node when nothing changes: a <c>conveyor serve --workers 0</c> child process (the node),
/// its CPU time read over quiet windows with no stream open (the baseline) and with N streams open on N queued jobs,
/// alternating, in one run. The streams are held by this process, so their client side is not counted.
/// </summary>
internal static class StreamBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var serverDll = BenchTools.StringArg(args, "--server") ?? throw new InvalidOperationException("--server <conveyor.dll> is required.");
        var streams = BenchTools.Arg(args, "--streams", 500);
        var seconds = BenchTools.Arg(args, "--seconds", 30);
        var rounds = BenchTools.Arg(args, "--rounds", 2);
        var data = Directory.CreateTempSubdirectory("conveyor-streambench-").FullName;
        var port = BenchTools.Arg(args, "--port", 5991);
        // The API's job stream, or the dashboard's job page stream (/jobs/{id}/live): which one each open page holds.
        var path = BenchTools.StringArg(args, "--path") ?? "/api/v1/jobs/{id}/stream";
        var key = Conveyor.Auth.ApiKeyGenerator.NewKey();
        try
        {
            await using var node = await ServerProcess.StartAsync(serverDll, port, key, new Dictionary<string, string> { ["Conveyor__DataDirectory"] = data });
            var server = node.Process;
            var client = node.Client;
            var ids = new List<Guid>();
            for (var made = 0; made < streams; made += 500)
            {
                var batch = Enumerable.Range(0, Math.Min(500, streams - made)).Select(_ => new { type = "noop" }).ToList();
                var response = await client.PostAsJsonAsync("/api/v1/jobs/batch", new { jobs = batch });
                response.EnsureSuccessStatusCode();
                var body = await response.Content.ReadFromJsonAsync<JsonObject>();
                ids.AddRange(body!["ids"]!.AsArray().Select(i => Guid.Parse(i!.GetValue<string>())));
            }

            var idle = new List<double>();
            var open = new List<double>();
            for (var round = 0; round < rounds; round++)
            {
                await Task.Delay(TimeSpan.FromSeconds(3));
                idle.Add(await CpuPercentAsync(server, seconds));
                Console.WriteLine($"round {round + 1}: no stream open: {idle[^1]:F2}% of one core");

                using var cancel = new CancellationTokenSource();
                var held = await OpenStreamsAsync(client, path, ids, cancel.Token);
                await Task.Delay(TimeSpan.FromSeconds(3));
                open.Add(await CpuPercentAsync(server, seconds));
                Console.WriteLine($"round {round + 1}: {streams} streams open: {open[^1]:F2}% of one core");
                await cancel.CancelAsync();
                foreach (var response in held) response.Dispose();
            }
            var extra = BenchTools.Median(open) - BenchTools.Median(idle);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"RESULT streams={streams} idle_cpu_pct={BenchTools.Median(idle):F2} open_cpu_pct={BenchTools.Median(open):F2} " +
                $"streams_cost_pct_of_core={extra:F2} open_vs_idle={BenchTools.Median(open) / Math.Max(0.01, BenchTools.Median(idle)):F2}"));
            return 0;
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>Opens a stream per job and reads its first event (the job as it is), then leaves it open.</summary>
    private static async Task<List<HttpResponseMessage>> OpenStreamsAsync(HttpClient client, string path, List<Guid> ids, CancellationToken ct)
    {
        var responses = new List<HttpResponseMessage>();
        foreach (var chunk in ids.Chunk(50))
        {
            var opened = await Task.WhenAll(chunk.Select(async id =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, path.Replace("{id}", id.ToString(), StringComparison.Ordinal));
                request.Headers.Accept.ParseAdd("text/event-stream");
                var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                response.EnsureSuccessStatusCode();
                var stream = await response.Content.ReadAsStreamAsync(ct);
                var buffer = new byte[4096];
                var read = await stream.ReadAsync(buffer, ct);
                if (read == 0) throw new InvalidOperationException("A stream closed before its first event.");
                // Keep draining in the background so the server never blocks on a full socket.
                _ = Task.Run(async () =>
                {
                    try
                    {
                        while (await stream.ReadAsync(buffer, ct) > 0)
                        {
                        }
                    }
                    catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
                    {
                    }
                }, CancellationToken.None);
                return response;
            }));
            responses.AddRange(opened);
        }
        return responses;
    }

    private static async Task<double> CpuPercentAsync(Process server, int seconds)
    {
        server.Refresh();
        var cpu = server.TotalProcessorTime;
        var wall = Stopwatch.GetTimestamp();
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        server.Refresh();
        return (server.TotalProcessorTime - cpu).TotalMilliseconds / Stopwatch.GetElapsedTime(wall).TotalMilliseconds * 100;
    }
}
