using System.Text;
using Conveyor.Caching;
using Conveyor.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Conveyor.Tests.Caching;

public sealed class MemoryStatusCacheTests : StatusCacheContract
{
    private readonly FakeTimeProvider _time = new();

    protected override Task<IJobCache> CreateAsync() =>
        Task.FromResult<IJobCache>(new MemoryJobCache(Options.Create(new RedisOptions()), _time));

    [Fact]
    public async Task An_entry_expires_after_its_ttl()
    {
        var cache = await CreateAsync();
        var id = Guid.NewGuid();
        await cache.GetOrLoadAsync(id, JobCacheView.Status, Loads("old"), CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal("old", await ReadAsync(cache, id, "new"));
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal("new", await ReadAsync(cache, id, "new"));
    }
}

/// <summary>The cache on Redis alone (near cache off): what every node shares.</summary>
public sealed class RedisStatusCacheTests : StatusCacheContract, IAsyncLifetime
{
    private TestRedis _redis = null!;
    private readonly List<ConnectionMultiplexer> _connections = [];

    public async Task InitializeAsync() => _redis = await TestRedis.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var connection in _connections) await connection.DisposeAsync();
        await _redis.DisposeAsync();
    }

    protected override async Task<IJobCache> CreateAsync()
    {
        var connection = await ConnectionMultiplexer.ConnectAsync(new RedisOptions { Configuration = _redis.Configuration }.ClientOptions());
        _connections.Add(connection);
        return new RedisJobCache(connection, Options.Create(new RedisOptions { NearTtl = TimeSpan.Zero }), TimeProvider.System,
            NullLogger<RedisJobCache>.Instance);
    }

    [Fact]
    public async Task Two_nodes_share_entries_and_a_change_on_one_drops_the_entry_for_both()
    {
        var a = await CreateAsync();
        var b = await CreateAsync();
        var id = Guid.NewGuid();
        Assert.Equal("v1", await ReadAsync(a, id, "v1"));
        Assert.Equal("v1", await ReadAsync(b, id, "v2"));

        await a.InvalidateAsync([id], CancellationToken.None);

        Assert.Equal("v2", await ReadAsync(b, id, "v2"));
    }

    [Fact]
    public async Task With_Redis_away_reads_go_to_the_store_and_entries_from_before_are_dropped_when_it_is_back()
    {
        var node = await CreateAsync();
        var id = Guid.NewGuid();
        Assert.Equal("before", await ReadAsync(node, id, "before"));

        await _redis.StopAsync();
        Assert.Equal("during", await ReadAsync(node, id, "during"));
        await node.InvalidateAsync([id], CancellationToken.None);

        await _redis.StartAgainAsync();
        await using (var look = await _redis.ConnectAsync())
            Assert.True(await look.GetDatabase().KeyExistsAsync("{conveyor}:status:" + id.ToString("N")), "the saved entry came back with Redis");
        // Until the node has reconnected its reads go to the store; once a read is a hit again the cache is back in use.
        var seen = new List<string?>();
        await Eventually.WaitAsync(async () =>
        {
            seen.Add(await ReadAsync(node, id, "after"));
            seen.Add(await ReadAsync(node, id, "later"));
            return seen[^1];
        }, last => last == "after", TimeSpan.FromSeconds(20), "the cache in use again");
        Assert.DoesNotContain("before", seen);
    }
}

/// <summary>What every status cache keeps: hits, misses, and no change ever hidden behind an older payload.</summary>
public abstract class StatusCacheContract
{
    protected abstract Task<IJobCache> CreateAsync();

    protected static Func<CancellationToken, ValueTask<byte[]?>> Loads(string? value) =>
        _ => ValueTask.FromResult(value is null ? null : Encoding.UTF8.GetBytes(value));

    protected static async Task<string?> ReadAsync(IJobCache cache, Guid id, string? storeHas, JobCacheView view = JobCacheView.Status)
    {
        var payload = await cache.GetOrLoadAsync(id, view, Loads(storeHas), CancellationToken.None);
        return payload is null ? null : Encoding.UTF8.GetString(payload);
    }

    [Fact]
    public async Task A_second_read_is_served_from_the_cache()
    {
        var cache = await CreateAsync();
        var id = Guid.NewGuid();
        Assert.Equal("first", await ReadAsync(cache, id, "first"));
        Assert.Equal("first", await ReadAsync(cache, id, "second"));
    }

    [Fact]
    public async Task A_change_drops_the_entry()
    {
        var cache = await CreateAsync();
        var id = Guid.NewGuid();
        await ReadAsync(cache, id, "old");
        await cache.InvalidateAsync([id], CancellationToken.None);
        Assert.Equal("new", await ReadAsync(cache, id, "new"));
    }

    [Fact]
    public async Task Dropping_everything_drops_every_entry()
    {
        var cache = await CreateAsync();
        Guid[] ids = [Guid.NewGuid(), Guid.NewGuid()];
        foreach (var id in ids) await ReadAsync(cache, id, "old");
        await cache.InvalidateAllAsync(CancellationToken.None);
        foreach (var id in ids) Assert.Equal("new", await ReadAsync(cache, id, "new"));
    }

    [Fact]
    public async Task A_load_that_a_change_overtook_does_not_stay_in_the_cache()
    {
        var cache = await CreateAsync();
        var id = Guid.NewGuid();
        // The load reads the store, then a change commits and invalidates, then the load's old payload comes back.
        var raced = await cache.GetOrLoadAsync(id, JobCacheView.Status, async ct =>
        {
            await cache.InvalidateAsync([id], ct);
            return Encoding.UTF8.GetBytes("old");
        }, CancellationToken.None);
        Assert.Equal("old", Encoding.UTF8.GetString(raced!));

        Assert.Equal("new", await ReadAsync(cache, id, "new"));
    }

    [Fact]
    public async Task A_load_that_dropping_everything_overtook_does_not_stay_in_the_cache()
    {
        var cache = await CreateAsync();
        var id = Guid.NewGuid();
        await cache.GetOrLoadAsync(id, JobCacheView.Resource, async ct =>
        {
            await cache.InvalidateAllAsync(ct);
            return Encoding.UTF8.GetBytes("old");
        }, CancellationToken.None);
        Assert.Equal("new", await ReadAsync(cache, id, "new", JobCacheView.Resource));
    }

    [Fact]
    public async Task Views_are_kept_apart_and_a_change_drops_every_view_of_the_job()
    {
        var cache = await CreateAsync();
        var id = Guid.NewGuid();
        Assert.Equal("status", await ReadAsync(cache, id, "status", JobCacheView.Status));
        Assert.Equal("resource", await ReadAsync(cache, id, "resource", JobCacheView.Resource));
        Assert.Equal("status", await ReadAsync(cache, id, "other", JobCacheView.Status));
        Assert.Equal("resource", await ReadAsync(cache, id, "other", JobCacheView.Resource));

        await cache.InvalidateAsync([id], CancellationToken.None);

        Assert.Equal("status 2", await ReadAsync(cache, id, "status 2", JobCacheView.Status));
        Assert.Equal("resource 2", await ReadAsync(cache, id, "resource 2", JobCacheView.Resource));
    }

    [Fact]
    public async Task An_unknown_job_is_not_cached()
    {
        var cache = await CreateAsync();
        var id = Guid.NewGuid();
        Assert.Null(await ReadAsync(cache, id, null));
        Assert.Equal("created", await ReadAsync(cache, id, "created"));
    }
}
