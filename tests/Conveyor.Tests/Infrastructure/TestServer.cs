using Conveyor.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Tests.Infrastructure;

/// <summary>The real app, built as <c>conveyor serve</c> builds it, on a free loopback port with its own store.</summary>
public sealed class TestServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _dataDirectory;

    private TestServer(WebApplication app, string dataDirectory, TestDatabase database, Uri address)
    {
        _app = app;
        _dataDirectory = dataDirectory;
        Database = database;
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
    }

    public HttpClient Client { get; }
    public string DataDirectory => _dataDirectory;
    public TestDatabase Database { get; }
    public IServiceProvider Services => _app.Services;

    /// <param name="settings">Extra configuration (keys as in appsettings, e.g. <c>Conveyor:Workers:Count</c>).</param>
    public static async Task<TestServer> StartAsync(Provider provider, IDictionary<string, string>? settings = null)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("conveyor-test-").FullName;
        var connectionString = provider == Provider.Postgres
            ? await TestPostgres.CreateDatabaseAsync()
            : $"Data Source={Path.Combine(dataDirectory, "conveyor.db")}";
        var all = new Dictionary<string, string>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["Conveyor:DataDirectory"] = dataDirectory,
            ["Conveyor:Database:Provider"] = provider == Provider.Postgres ? "postgres" : "sqlite",
            ["ConnectionStrings:Conveyor"] = connectionString,
            ["Conveyor:Workers:Count"] = "0",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) all[key] = value;

        var app = ConveyorHost.BuildServer(all.Select(kv => $"--{kv.Key}={kv.Value}").ToArray());
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TestServer(app, dataDirectory, new TestDatabase(provider, connectionString), new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open; the OS temp cleaner takes it.
        }
    }
}
