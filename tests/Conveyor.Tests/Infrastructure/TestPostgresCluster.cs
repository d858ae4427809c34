using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Conveyor.Tests.Infrastructure;

/// <summary>
/// A PostgreSQL cluster of the test's own (initdb in a temp directory, a free loopback port), which the test may restart
/// without touching the server every other test shares. As root, initdb and postgres run as user postgres (they refuse
/// root), as scripts/throwaway-postgres.sh does.
/// </summary>
public sealed class TestPostgresCluster : IAsyncDisposable
{
    private readonly string _directory;
    private readonly string _bin;

    private TestPostgresCluster(string directory, string bin, int port)
    {
        _directory = directory;
        _bin = bin;
        Port = port;
    }

    public int Port { get; }

    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Maximum Pool Size=50;Timeout=5";

    private static bool IsRoot => Environment.UserName == "root";

    public static async Task<TestPostgresCluster> StartAsync()
    {
        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "pg_ctl")))
                .OrderBy(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0).LastOrDefault()
            : null;
        if (bin is null) throw new InvalidOperationException("PostgreSQL's binaries were not found under /usr/lib/postgresql: run the tests through ./test.sh.");
        var directory = Directory.CreateTempSubdirectory("conveyor-pgc-").FullName;
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(directory, (UnixFileMode)0x1ED); // 0755
        Directory.CreateDirectory(Path.Combine(directory, "pg"));
        Directory.CreateDirectory(Path.Combine(directory, "sock"));
        if (IsRoot) await RunAsync("chown", "-R", "postgres:postgres", directory);
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var cluster = new TestPostgresCluster(directory, bin, port);
        await cluster.AsPostgresAsync(Path.Combine(bin, "initdb"), "-D", Path.Combine(directory, "pg"), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C");
        await cluster.StartAgainAsync();
        return cluster;
    }

    /// <summary>Starts the server (again), and waits until it answers.</summary>
    public async Task StartAgainAsync()
    {
        await AsPostgresAsync(Path.Combine(_bin, "pg_ctl"), "-D", Path.Combine(_directory, "pg"), "-l", Path.Combine(_directory, "sock", "pg.log"), "-w", "-t", "60",
            "-o", $"-c listen_addresses=127.0.0.1 -p {Port} -k {Path.Combine(_directory, "sock")} -c max_connections=300 -c fsync=off", "start");
        // This process's pooled connections died with the server: the test's own reads open new ones.
        NpgsqlConnection.ClearAllPools();
    }

    /// <summary>Stops it at once (every connection is cut, as in a crash or a failover).</summary>
    public Task StopAsync() => AsPostgresAsync(Path.Combine(_bin, "pg_ctl"), "-D", Path.Combine(_directory, "pg"), "-m", "immediate", "-w", "stop");

    public async Task<string> CreateDatabaseAsync(string name)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await create.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString;
    }

    private Task AsPostgresAsync(string program, params string[] args) =>
        IsRoot ? RunAsync("runuser", ["-u", "postgres", "--", program, .. args]) : RunAsync(program, args);

    private static async Task RunAsync(string program, params string[] args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0) throw new InvalidOperationException($"{program} exited {process.ExitCode}: {await stdout}{await stderr}");
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        try
        {
            await StopAsync();
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
