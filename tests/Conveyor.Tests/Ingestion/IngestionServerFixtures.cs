using Conveyor.Ingestion;
using Conveyor.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Tests.Ingestion;

/// <summary>A server with two in-process workers and small upload limits, so that limits are cheap to hit.</summary>
public abstract class IngestionServerFixture(Provider provider) : IAsyncLifetime
{
    public const long MaxFileBytes = 512 * 1024;
    public const int MaxFiles = 3;

    public TestServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await TestServer.StartAsync(provider, new Dictionary<string, string>
    {
        ["Conveyor:Workers:Count"] = "2",
        ["Conveyor:Workers:ProgressFlushInterval"] = "00:00:00.100",
        ["Conveyor:Workers:RetryBaseDelay"] = "00:00:00.100",
        ["Conveyor:Uploads:MaxFileBytes"] = MaxFileBytes.ToString(),
        ["Conveyor:Uploads:MaxFiles"] = MaxFiles.ToString(),
        ["Conveyor:Uploads:MaxRequestBytes"] = (4 * MaxFileBytes).ToString(),
        ["Conveyor:Sources:AllowedHosts:0"] = "data.example.org",
        ["Conveyor:Sources:AllowedHosts:1"] = "10.0.0.1",
    });

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

public sealed class SqliteIngestionFixture() : IngestionServerFixture(Provider.Sqlite);

public sealed class PostgresIngestionFixture() : IngestionServerFixture(Provider.Postgres);

/// <summary>
/// A server whose disk fills up: every stored file takes <see cref="Capacity"/> bytes and then fails with ENOSPC,
/// through the storage root's one file-opening seam.
/// </summary>
public abstract class DiskFullServerFixture(Provider provider) : IAsyncLifetime
{
    public const int Capacity = 100 * 1024;

    public TestServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await TestServer.StartAsync(provider, configure: builder =>
        builder.Services.AddSingleton(new StorageRoot(builder.Configuration["Conveyor:DataDirectory"]!,
            (path, options) => new DiskFullStream(new FileStream(path, options), Capacity))));

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

public sealed class SqliteDiskFullFixture() : DiskFullServerFixture(Provider.Sqlite);

public sealed class PostgresDiskFullFixture() : DiskFullServerFixture(Provider.Postgres);

/// <summary>A server with workers, configured by <paramref name="settings"/>, and an <see cref="HttpSource"/> beside it.</summary>
public abstract class HttpSourceFixture(Provider provider, Dictionary<string, string> settings) : IAsyncLifetime
{
    public TestServer Server { get; private set; } = null!;

    public HttpSource Source { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Source = await HttpSource.StartAsync();
        Server = await TestServer.StartAsync(provider, settings);
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await Source.DisposeAsync();
    }
}

/// <summary>
/// Workers, and an <see cref="HttpSource"/> they may fetch from: 127.0.0.1 and localhost are allowed hosts, and
/// (both being loopback) private addresses are allowed.
/// </summary>
public abstract class UrlSourceFixture(Provider provider) : HttpSourceFixture(provider, new Dictionary<string, string>
{
    ["Conveyor:Workers:Count"] = "2",
    ["Conveyor:Workers:ProgressFlushInterval"] = "00:00:00.100",
    ["Conveyor:Sources:AllowedHosts:0"] = "127.0.0.1",
    ["Conveyor:Sources:AllowedHosts:1"] = "localhost",
    ["Conveyor:Sources:AllowPrivateAddresses"] = "true",
    ["Conveyor:Sources:Timeout"] = "00:00:10",
});

public sealed class SqliteUrlSourceFixture() : UrlSourceFixture(Provider.Sqlite);

public sealed class PostgresUrlSourceFixture() : UrlSourceFixture(Provider.Postgres);

/// <summary>
/// Workers and an <see cref="HttpSource"/>, with localhost an allowed host but private addresses not allowed:
/// the name passes the create-time check, and only the address it resolves to can stop the fetch.
/// </summary>
public sealed class PrivateAddressesRefusedFixture() : HttpSourceFixture(Provider.Sqlite, new Dictionary<string, string>
{
    ["Conveyor:Workers:Count"] = "1",
    ["Conveyor:Sources:AllowedHosts:0"] = "localhost",
    ["Conveyor:Sources:Timeout"] = "00:00:10",
});
