using System.Text;
using Conveyor.Caching;
using Conveyor.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Conveyor.Tests.Caching;

/// <summary>The contract again with each node's near cache in front of Redis (entries kept long, so only a message can drop them).</summary>
public sealed class NearCacheContractTests : StatusCacheContract, IAsyncLifetime
{
    private readonly NearNodes _nodes = new();

    public Task InitializeAsync() => _nodes.InitializeAsync();

    public Task DisposeAsync() => _nodes.DisposeAsync();

    protected override async Task<IJobCache> CreateAsync() => await _nodes.NodeAsync();
}

/// <summary>What the near cache adds: answers from memory, dropped on every node by a change on any node, off while Redis is away.</summary>
public sealed class NearCacheTests : IAsyncLifetime
{
    private readonly NearNodes _nodes = new();

    public Task InitializeAsync() => _nodes.InitializeAsync();

    public Task DisposeAsync() => _nodes.DisposeAsync();

    [Fact]
    public async Task A_repeated_read_is_answered_from_memory_without_Redis()
    {
        var node = await _nodes.NodeAsync();
        var id = Guid.NewGuid();
        Assert.Equal("v1", await ReadAsync(node, id, "v1"));
        // Remove the shared entry behind the node's back: only its memory can still answer v1.
        await using (var look = await _nodes.Redis.ConnectAsync())
            Assert.True(await look.GetDatabase().KeyDeleteAsync("{conveyor}:job:" + id.ToString("N")));
        Assert.Equal("v1", await ReadAsync(node, id, "v2"));
    }

    [Fact]
    public async Task A_change_on_one_node_drops_the_entry_in_the_memory_of_the_other()
    {
        var a = await _nodes.NodeAsync();
        var b = await _nodes.NodeAsync();
        var id = Guid.NewGuid();
        var other = Guid.NewGuid();
        Assert.Equal("v1", await ReadAsync(b, id, "v1"));
        Assert.Equal("kept", await ReadAsync(b, other, "kept"));

        await a.InvalidateAsync([id], CancellationToken.None);

        // The message travels with the script's reply; its arrival on b is asynchronous, so wait for it (the entries
        // would live 10 minutes otherwise).
        await Eventually.WaitAsync(() => ReadAsync(b, id, "v2"), v => v == "v2", TimeSpan.FromSeconds(5), "b dropped the changed job");
        Assert.Equal("kept", await ReadAsync(b, other, "store"));
    }

    [Fact]
    public async Task Dropping_everything_on_one_node_empties_the_memory_of_the_other()
    {
        var a = await _nodes.NodeAsync();
        var b = await _nodes.NodeAsync();
        var id = Guid.NewGuid();
        Assert.Equal("v1", await ReadAsync(b, id, "v1"));

        await a.InvalidateAllAsync(CancellationToken.None);

        await Eventually.WaitAsync(() => ReadAsync(b, id, "v2"), v => v == "v2", TimeSpan.FromSeconds(5), "b dropped everything");
    }

    [Fact]
    public async Task With_Redis_away_a_node_stops_answering_from_memory_and_starts_again_once_its_probe_comes_back()
    {
        var node = await _nodes.NodeAsync();
        var id = Guid.NewGuid();
        Assert.Equal("before", await ReadAsync(node, id, "before"));

        await _nodes.Redis.StopAsync();
        await Eventually.WaitAsync(() => Task.FromResult(node.NearCacheLive), live => !live, TimeSpan.FromSeconds(10), "the near cache off");
        Assert.Equal("during", await ReadAsync(node, id, "during"));
        Assert.Equal("during 2", await ReadAsync(node, id, "during 2"));

        await _nodes.Redis.StartAgainAsync();
        await Eventually.WaitAsync(() => Task.FromResult(node.NearCacheLive), live => live, TimeSpan.FromSeconds(30), "the near cache on again");
        Assert.Equal("after", await ReadAsync(node, id, "after"));
        Assert.Equal("after", await ReadAsync(node, id, "later"));
    }

    private static async Task<string?> ReadAsync(IJobCache cache, Guid id, string? storeHas)
    {
        var payload = await cache.GetOrLoadAsync(id, JobCacheView.Resource,
            _ => ValueTask.FromResult(storeHas is null ? null : Encoding.UTF8.GetBytes(storeHas)), CancellationToken.None);
        return payload is null ? null : Encoding.UTF8.GetString(payload);
    }
}

/// <summary>A real Redis and nodes on it, each with its near cache (10-minute entries) on once its probe came back.</summary>
internal sealed class NearNodes
{
    private readonly List<(ConnectionMultiplexer Connection, RedisJobCache Cache)> _nodes = [];

    public TestRedis Redis { get; private set; } = null!;

    public async Task InitializeAsync() => Redis = await TestRedis.StartAsync();

    public async Task<RedisJobCache> NodeAsync()
    {
        var connection = await ConnectionMultiplexer.ConnectAsync(new RedisOptions { Configuration = Redis.Configuration }.ClientOptions());
        var cache = new RedisJobCache(connection, Options.Create(new RedisOptions { NearTtl = TimeSpan.FromMinutes(10) }), TimeProvider.System,
            NullLogger<RedisJobCache>.Instance);
        _nodes.Add((connection, cache));
        await Eventually.WaitAsync(() => Task.FromResult(cache.NearCacheLive), live => live, TimeSpan.FromSeconds(10), "the near cache on");
        return cache;
    }

    public async Task DisposeAsync()
    {
        foreach (var (connection, cache) in _nodes)
        {
            cache.Dispose();
            await connection.DisposeAsync();
        }
        await Redis.DisposeAsync();
    }
}
