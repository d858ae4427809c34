using System.Text;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Conveyor.Caching;

/// <summary>
/// The status cache on Redis, shared by every API and worker node. Three kinds of key: a job's entry
/// (<c>status:{id}</c>, its payload behind the epoch it was written in), a job's version (<c>version:{id}</c>, bumped
/// by every change), and one epoch (bumped to drop everything). A change bumps the version and deletes the entry in
/// one script, after its commit; a load stores its payload only if neither the version nor the epoch moved since
/// it began, so an old read never overwrites a newer change. A hit costs one round trip.
/// </summary>
/// <remarks>
/// When Redis cannot be reached, reads go to the store and changes cannot delete entries. So a node that saw Redis
/// fail bumps the epoch before it trusts the cache again: entries written before the outage are dropped once Redis
/// is back, whichever node changed the jobs meanwhile.
/// </remarks>
public sealed class RedisJobStatusCache : IJobStatusCache
{
    private const string StoreIfUnchanged = """
        if (redis.call('GET', KEYS[1]) or '0') == ARGV[1] and (redis.call('GET', KEYS[2]) or '0') == ARGV[2] then
          redis.call('SET', KEYS[3], ARGV[2] .. '|' .. ARGV[3], 'PX', ARGV[4])
        end
        return 0
        """;

    private const string BumpAndDelete = """
        for i = 1, #KEYS, 2 do
          redis.call('INCR', KEYS[i])
          redis.call('PEXPIRE', KEYS[i], ARGV[1])
          redis.call('DEL', KEYS[i + 1])
        end
        return 0
        """;

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKey _epochKey;
    private readonly string _prefix;
    private readonly long _ttlMilliseconds;
    private readonly ILogger<RedisJobStatusCache> _logger;
    private int _missedChanges;

    public RedisJobStatusCache(IConnectionMultiplexer redis, IOptions<RedisOptions> options, ILogger<RedisJobStatusCache> logger)
    {
        _redis = redis;
        _prefix = options.Value.KeyPrefix;
        _epochKey = _prefix + "epoch";
        _ttlMilliseconds = (long)options.Value.StatusTtl.TotalMilliseconds;
        _logger = logger;
        // A node that only writes (a worker) reads nothing, so it must not wait for a read to drop what it left stale.
        _redis.ConnectionRestored += (_, _) => _ = DropIfChangesWereMissedAsync();
    }

    public async ValueTask<byte[]?> GetOrLoadAsync(Guid jobId, Func<CancellationToken, ValueTask<byte[]?>> load, CancellationToken ct)
    {
        RedisValue[] seen;
        try
        {
            if (Volatile.Read(ref _missedChanges) == 1) await DropEverythingWrittenBeforeAsync();
            seen = await Database.StringGetAsync([_epochKey, EntryKey(jobId), VersionKey(jobId)]);
        }
        catch (RedisException e)
        {
            Missed(e);
            return await load(ct);
        }

        var epoch = seen[0].IsNull ? "0" : seen[0].ToString();
        if (Payload(seen[1], epoch) is { } hit) return hit;

        var payload = await load(ct);
        if (payload is null) return null;
        try
        {
            await Database.ScriptEvaluateAsync(StoreIfUnchanged,
                [VersionKey(jobId), _epochKey, EntryKey(jobId)],
                [seen[2].IsNull ? "0" : seen[2].ToString(), epoch, payload, _ttlMilliseconds]);
        }
        catch (RedisException e)
        {
            Missed(e);
        }
        return payload;
    }

    public async ValueTask InvalidateAsync(IReadOnlyCollection<Guid> jobIds, CancellationToken ct)
    {
        if (jobIds.Count == 0) return;
        var keys = new RedisKey[jobIds.Count * 2];
        var i = 0;
        foreach (var id in jobIds)
        {
            keys[i++] = VersionKey(id);
            keys[i++] = EntryKey(id);
        }
        try
        {
            if (Volatile.Read(ref _missedChanges) == 1) await DropEverythingWrittenBeforeAsync();
            // A version outlives every entry that could have been loaded before it moved.
            await Database.ScriptEvaluateAsync(BumpAndDelete, keys, [_ttlMilliseconds * 2]);
        }
        catch (RedisException e)
        {
            Missed(e);
        }
    }

    public async ValueTask InvalidateAllAsync(CancellationToken ct)
    {
        try
        {
            await Database.StringIncrementAsync(_epochKey);
        }
        catch (RedisException e)
        {
            Missed(e);
        }
    }

    private IDatabase Database => _redis.GetDatabase();

    private RedisKey EntryKey(Guid id) => _prefix + "status:" + id.ToString("N");

    private RedisKey VersionKey(Guid id) => _prefix + "version:" + id.ToString("N");

    private async Task DropEverythingWrittenBeforeAsync()
    {
        await Database.StringIncrementAsync(_epochKey);
        if (Interlocked.Exchange(ref _missedChanges, 0) == 1) CacheLog.RedisBack(_logger);
    }

    private async Task DropIfChangesWereMissedAsync()
    {
        if (Volatile.Read(ref _missedChanges) == 0) return;
        try
        {
            await DropEverythingWrittenBeforeAsync();
        }
        catch (RedisException e)
        {
            Missed(e);
        }
    }

    private void Missed(RedisException e)
    {
        if (Interlocked.Exchange(ref _missedChanges, 1) == 0) CacheLog.RedisAway(_logger, e.GetType().Name);
    }

    /// <summary>The payload of an entry written in <paramref name="epoch"/>; null for a miss or an older epoch.</summary>
    private static byte[]? Payload(RedisValue entry, string epoch)
    {
        if (entry.IsNull) return null;
        var bytes = (byte[])entry!;
        var bar = Array.IndexOf(bytes, (byte)'|');
        if (bar < 0 || !Encoding.ASCII.GetString(bytes, 0, bar).Equals(epoch, StringComparison.Ordinal)) return null;
        return bytes[(bar + 1)..];
    }
}
