using System.Diagnostics;

namespace Conveyor.DashboardBench;

/// <summary>
/// A <c>conveyor serve --workers 0</c> child process on a loopback port (the node under test), with an admin key: the
/// server as built, its own runtime and settings, measured from outside so the client's side is not counted.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private ServerProcess(Process process, HttpClient client)
    {
        Process = process;
        Client = client;
    }

    public Process Process { get; }

    /// <summary>A client of the node that sends the admin key on every request.</summary>
    public HttpClient Client { get; }

    /// <summary>Starts the node and waits until <c>/health/live</c> answers.</summary>
    /// <param name="settings">Configuration by environment variable (<c>Conveyor__…</c>); <c>BENCH_SERVER_*</c> variables of
    /// this process are added on top, so a run can change a setting without a code change.</param>
    public static async Task<ServerProcess> StartAsync(string dll, int port, string key, IReadOnlyDictionary<string, string> settings)
    {
        var start = new ProcessStartInfo("dotnet", [dll, "serve", "--workers", "0", "--urls", $"http://127.0.0.1:{port}"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
            Environment =
            {
                ["Conveyor__Auth__BootstrapAdminKey"] = key,
                ["Logging__LogLevel__Default"] = "Warning",
            },
        };
        foreach (var (name, value) in settings) start.Environment[name] = value;
        foreach (var (name, value) in Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
                     .Where(e => ((string)e.Key).StartsWith("BENCH_SERVER_", StringComparison.Ordinal)))
            start.Environment[((string)name)["BENCH_SERVER_".Length..]] = (string?)value;
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine("server: " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        var server = new ServerProcess(process, client);
        try
        {
            await server.WaitUpAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    private async Task WaitUpAsync()
    {
        for (var i = 0; i < 1200; i++)
        {
            if (Process.HasExited) throw new InvalidOperationException($"The server exited with {Process.ExitCode} before it was up.");
            try
            {
                if ((await Client.GetAsync("/health/live")).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(100);
        }
        throw new TimeoutException("The server did not come up in 120 s.");
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!Process.HasExited) Process.Kill(entireProcessTree: true);
        await Process.WaitForExitAsync();
        Process.Dispose();
    }
}
