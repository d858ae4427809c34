using Conveyor.Auth;
using Conveyor.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Conveyor.Tests.Infrastructure;

/// <summary>The real app, built as <c>conveyor serve</c> builds it, on a free loopback port with its own store.</summary>
public sealed class TestServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _dataDirectory;

    private readonly List<HttpClient> _clients = [];

    private TestServer(WebApplication app, string dataDirectory, TestDatabase database, Uri address, string adminKey)
    {
        _app = app;
        _dataDirectory = dataDirectory;
        Database = database;
        Address = address;
        AdminKey = adminKey;
        Client = NewClient(adminKey);
        Anonymous = NewClient(null);
    }

    /// <summary>A client that authenticates with the bootstrap admin key.</summary>
    public HttpClient Client { get; }

    /// <summary>A client that sends no key.</summary>
    public HttpClient Anonymous { get; }

    public Uri Address { get; }

    /// <summary>The bootstrap admin key the server was started with (Conveyor:Auth:BootstrapAdminKey).</summary>
    public string AdminKey { get; }

    public string DataDirectory => _dataDirectory;

    /// <summary>Everything the server logged, at every level, with exceptions.</summary>
    public CapturedLogs Logs { get; private init; } = new();

    /// <summary>A client sending <paramref name="key"/> as a Bearer token (none when null), and X-Forwarded-For when given.</summary>
    public HttpClient NewClient(string? key, string? forwardedFor = null)
    {
        var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(60) };
        if (key is not null) client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Bearer " + key);
        if (forwardedFor is not null) client.DefaultRequestHeaders.TryAddWithoutValidation("X-Forwarded-For", forwardedFor);
        _clients.Add(client);
        return client;
    }
    public TestDatabase Database { get; }
    public IServiceProvider Services => _app.Services;

    /// <param name="settings">Extra configuration (keys as in appsettings, e.g. <c>Conveyor:Workers:Count</c>).</param>
    /// <param name="configure">A last word on the builder (e.g. a stand-in service), after the app's own registrations.</param>
    public static async Task<TestServer> StartAsync(Provider provider, IDictionary<string, string>? settings = null,
        Action<WebApplicationBuilder>? configure = null)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("conveyor-test-").FullName;
        var connectionString = provider == Provider.Postgres
            ? await TestPostgres.CreateDatabaseAsync()
            : $"Data Source={Path.Combine(dataDirectory, "conveyor.db")}";
        var adminKey = ApiKeyGenerator.NewKey();
        var all = new Dictionary<string, string>
        {
            ["Conveyor:Auth:BootstrapAdminKey"] = adminKey,
            ["urls"] = "http://127.0.0.1:0",
            ["Conveyor:DataDirectory"] = dataDirectory,
            ["Conveyor:Database:Provider"] = provider == Provider.Postgres ? "postgres" : "sqlite",
            ["ConnectionStrings:Conveyor"] = connectionString,
            ["Conveyor:Workers:Count"] = "0",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) all[key] = value;

        var logs = new CapturedLogs();
        var app = ConveyorHost.BuildServer(all.Select(kv => $"--{kv.Key}={kv.Value}").ToArray(),
            b =>
            {
                b.Logging.AddProvider(logs).AddFilter<CapturedLogs>(null, LogLevel.Trace);
                configure?.Invoke(b);
            });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TestServer(app, dataDirectory, new TestDatabase(provider, connectionString), new Uri(address), all["Conveyor:Auth:BootstrapAdminKey"])
        {
            Logs = logs,
        };
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients) client.Dispose();
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
