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
