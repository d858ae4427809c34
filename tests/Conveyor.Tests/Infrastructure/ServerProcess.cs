using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Conveyor.Tests.Infrastructure;

/// <summary>A real <c>conveyor serve</c> process on PostgreSQL on a free loopback port, its console captured line by line.</summary>
public sealed partial class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    [GeneratedRegex(@"Conveyor is listening on (http://\S+?)\s")]
    private static partial Regex Listening();

    private ServerProcess(Process process, string adminKey)
    {
        _process = process;
        AdminKey = adminKey;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) _lines.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _lines.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public IReadOnlyCollection<string> Lines => _lines;

    public string AdminKey { get; }

    public int Id => _process.Id;

    /// <summary>Starts an API node (<c>--workers 0</c> unless <paramref name="settings"/> say otherwise) sharing <paramref name="dataDirectory"/>.</summary>
    public static ServerProcess Start(string connectionString, string dataDirectory, string adminKey, IDictionary<string, string>? settings = null)
    {
        var info = ConveyorProcess.StartInfo(Directory.CreateTempSubdirectory("conveyor-serve-").FullName, "serve", "--urls", "http://127.0.0.1:0");
        info.Environment["Conveyor__Database__Provider"] = "postgres";
        info.Environment["ConnectionStrings__Conveyor"] = connectionString;
        info.Environment["Conveyor__DataDirectory"] = dataDirectory;
        info.Environment["Conveyor__Auth__BootstrapAdminKey"] = adminKey;
        info.Environment["Conveyor__Workers__Count"] = "0";
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        info.Environment["Logging__LogLevel__Conveyor.Workers"] = "Information";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) info.Environment[key.Replace(":", "__")] = value;
        return new ServerProcess(Process.Start(info) ?? throw new InvalidOperationException("Could not start conveyor serve."), adminKey);
    }

    /// <summary>The address it listens on, once its banner is printed.</summary>
    public async Task<Uri> AddressAsync() =>
        new((await Eventually.WaitAsync(() => Task.FromResult(_lines.Select(l => Listening().Match(l + " ")).FirstOrDefault(m => m.Success)),
            m => m is not null || _process.HasExited, TimeSpan.FromMinutes(3), "the server to listen"))?.Groups[1].Value
            ?? throw new InvalidOperationException("conveyor serve exited: " + string.Join("\n", _lines)));

    /// <summary>A client on this node with the admin key.</summary>
    public async Task<HttpClient> ClientAsync()
    {
        var client = new HttpClient { BaseAddress = await AddressAsync(), Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Bearer " + AdminKey);
        return client;
    }

    /// <summary>The crash: SIGKILL, no shutdown code runs.</summary>
    public void KillHard() => _process.Kill(entireProcessTree: true);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
