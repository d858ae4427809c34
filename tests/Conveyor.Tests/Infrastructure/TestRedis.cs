using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace Conveyor.Tests.Infrastructure;

/// <summary>
/// A throwaway redis-server of the test's own on a free loopback port, which the test can stop and start again.
/// Without redis-server these tests fail (never skip): ./test.sh installs it and names it in
/// <c>CONVEYOR_TEST_REDIS_SERVER</c>.
/// </summary>
public sealed class TestRedis : IAsyncDisposable
{
    public const string Variable = "CONVEYOR_TEST_REDIS_SERVER";

    private readonly string _directory = Directory.CreateTempSubdirectory("conveyor-redis-").FullName;
    private Process? _process;

    private TestRedis(int port) => Port = port;

    public int Port { get; }

    /// <summary>The StackExchange.Redis configuration string the app gets.</summary>
    public string Configuration => $"127.0.0.1:{Port},connectTimeout=2000,asyncTimeout=2000";

    private static string ServerPath =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } path ? path
        : File.Exists("/usr/bin/redis-server") ? "/usr/bin/redis-server"
        : throw new InvalidOperationException($"redis-server was not found ({Variable} is not set): run the tests through ./test.sh, which installs it.");

    public static async Task<TestRedis> StartAsync()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var redis = new TestRedis(port);
        await redis.StartAgainAsync();
        return redis;
    }

    /// <summary>Starts the server (again) on the same port, with whatever it saved when it was stopped.</summary>
    public async Task StartAgainAsync()
    {
        _process = Process.Start(new ProcessStartInfo(ServerPath)
        {
            ArgumentList = { "--port", Port.ToString(), "--bind", "127.0.0.1", "--dir", _directory, "--dbfilename", "dump.rdb",
                "--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "no" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await Eventually.WaitAsync(PingsAsync, up => up, TimeSpan.FromSeconds(20), $"redis-server on port {Port}");
    }

    /// <summary>Stops the server after it saved its data set to disk (<c>SHUTDOWN SAVE</c>), so a restart brings the entries back.</summary>
    public async Task StopAsync()
    {
        await using (var admin = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{Port},allowAdmin=true"))
        {
            try
            {
                await admin.GetServer("127.0.0.1", Port).ExecuteAsync("SHUTDOWN", "SAVE");
            }
            catch (RedisConnectionException)
            {
                // The server closes the connection as it exits.
            }
        }
        await _process!.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
    }

    /// <summary>A connection for the test itself (to look at keys).</summary>
    public Task<ConnectionMultiplexer> ConnectAsync() => ConnectionMultiplexer.ConnectAsync(Configuration);

    private async Task<bool> PingsAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer);
            return System.Text.Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
