using System.Text;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Conveyor.Caching;

/// <summary>
/// The job cache on Redis, shared by every API and worker node, with a near cache in each node's memory in front of
/// it. Three kinds of key: a job's entry per view (<c>status:{id}</c>, <c>job:{id}</c>: its payload behind the epoch
/// it was written in), a job's version (<c>version:{id}</c>, bumped by every change), and one epoch (bumped to drop
/// everything). A change bumps the version, deletes the job's entries and publishes the job's id on the
/// <c>changed</c> channel in one script, after its commit; a load stores its payload only if neither the version nor
/// the epoch moved since it began, so an old read never overwrites a newer change. A Redis hit costs one round trip.
/// </summary>
/// <remarks>
/// <para>
/// The near cache (<see cref="RedisOptions.NearTtl"/>, 1 s) answers a repeated read with no round trip. Every node
/// subscribes to the <c>changed</c> channel and drops what each message names; the node that made a change drops its
/// own entries before the change's caller goes on, and the others when the message arrives, which Redis sends with
/// the script's reply. The near cache is used only while the subscription is known to work: from when a probe the
/// node published came back on it until any connection to Redis fails (then it is emptied). Whatever happens, an
/// entry lives <see cref="RedisOptions.NearTtl"/> at most, which bounds how stale another node can be.
/// </para>
/// <para>
/// When Redis cannot be reached, reads go to the store and changes cannot delete entries. So a node that saw Redis
/// fail bumps the epoch before it trusts the cache again: entries written before the outage are dropped once Redis
/// is back, whichever node changed the jobs meanwhile.
/// </para>
/// </remarks>
public sealed class RedisJobCache : IJobCache, IDisposable
{
    private const string StoreIfUnchanged = """
        if (redis.call('GET', KEYS[1]) or '0') == ARGV[1] and (redis.call('GET', KEYS[2]) or '0') == ARGV[2] then
          redis.call('SET', KEYS[3], ARGV[2] .. '|' .. ARGV[3], 'PX', ARGV[4])
        end
        return 0
        """;

    /// <summary>Per job three keys (its version, then its entries); ARGV: the version's lifetime, the channel, the message.</summary>
    private const string BumpAndDelete = """
        for i = 1, #KEYS, 3 do
          redis.call('INCR', KEYS[i])
          redis.call('PEXPIRE', KEYS[i], ARGV[1])
          redis.call('DEL', KEYS[i + 1], KEYS[i + 2])
        end
        redis.call('PUBLISH', ARGV[2], ARGV[3])
        return 0
        """;

    private const string BumpEpoch = """
        redis.call('INCR', KEYS[1])
        redis.call('PUBLISH', ARGV[1], ARGV[2])
        return 0
        """;

    /// <summary>The first byte of a message on the channel: jobs changed (their ids follow), everything dropped, a probe.</summary>
    private const byte Changed = (byte)'J', Everything = (byte)'A', Probe = (byte)'P';

    private static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(1);
    private static readonly JobCacheView[] Views = Enum.GetValues<JobCacheView>();

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKey _epochKey;
    private readonly RedisChannel _channel;
    private readonly string _prefix;
    private readonly long _ttlMilliseconds;
    private readonly ILogger<RedisJobCache> _logger;
    private readonly MemoryJobCache? _near;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private int _missedChanges;
    private int _nearLive;
    private Guid _probe = Guid.NewGuid();

    public RedisJobCache(IConnectionMultiplexer redis, IOptions<RedisOptions> options, TimeProvider time, ILogger<RedisJobCache> logger)
    {
        _redis = redis;
        _time = time;
        _prefix = options.Value.KeyPrefix;
        _epochKey = _prefix + "epoch";
        _channel = RedisChannel.Literal(_prefix + "changed");
        _ttlMilliseconds = (long)options.Value.StatusTtl.TotalMilliseconds;
        _logger = logger;
        // A node that only writes (a worker) reads nothing, so it must not wait for a read to drop what it left stale.
        _redis.ConnectionRestored += (_, _) => _ = DropIfChangesWereMissedAsync();
        if (options.Value.NearTtl > TimeSpan.Zero)
        {
            _near = MemoryJobCache.Near(options.Value.NearTtl, time);
            // Any connection lost may have lost messages: the near cache waits for a probe to come back first.
            _redis.ConnectionFailed += (_, _) => NearOff();
            _ = KeepSubscribedAsync(_stopping.Token);
        }
    }

    /// <summary>Whether this node serves repeated reads from its memory now (the subscription is known to work).</summary>
    public bool NearCacheLive => Volatile.Read(ref _nearLive) == 1;

    public ValueTask<byte[]?> GetOrLoadAsync(Guid jobId, JobCacheView view, Func<CancellationToken, ValueTask<byte[]?>> load, CancellationToken ct) =>
        _near is not null && Volatile.Read(ref _nearLive) == 1
            ? _near.GetOrLoadAsync(jobId, view, c => SharedGetOrLoadAsync(jobId, view, load, c), ct)
            : SharedGetOrLoadAsync(jobId, view, load, ct);

    private async ValueTask<byte[]?> SharedGetOrLoadAsync(Guid jobId, JobCacheView view, Func<CancellationToken, ValueTask<byte[]?>> load,
        CancellationToken ct)
    {
        RedisValue[] seen;
        try
        {
            if (Volatile.Read(ref _missedChanges) == 1) await DropEverythingWrittenBeforeAsync();
            seen = await Database.StringGetAsync([_epochKey, EntryKey(jobId, view), VersionKey(jobId)]);
        }
        catch (Exception e) when (IsFault(e))
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
                [VersionKey(jobId), _epochKey, EntryKey(jobId, view)],
                [seen[2].IsNull ? "0" : seen[2].ToString(), epoch, payload, _ttlMilliseconds]);
        }
        catch (Exception e) when (IsFault(e))
        {
            Missed(e);
        }
        return payload;
    }

    public async ValueTask InvalidateAsync(IReadOnlyCollection<Guid> jobIds, CancellationToken ct)
    {
        if (jobIds.Count == 0) return;
        var keys = new RedisKey[jobIds.Count * (1 + Views.Length)];
        var message = new byte[1 + jobIds.Count * 16];
        message[0] = Changed;
        var k = 0;
        var m = 1;
        foreach (var id in jobIds)
        {
            keys[k++] = VersionKey(id);
            foreach (var view in Views) keys[k++] = EntryKey(id, view);
            id.TryWriteBytes(message.AsSpan(m, 16));
            m += 16;
        }
        try
        {
            if (Volatile.Read(ref _missedChanges) == 1) await DropEverythingWrittenBeforeAsync();
            // A version outlives every entry that could have been loaded before it moved.
            await Database.ScriptEvaluateAsync(BumpAndDelete, keys, [_ttlMilliseconds * 2, _channel.ToString(), message]);
        }
        catch (Exception e) when (IsFault(e))
        {
            Missed(e);
        }
        finally
        {
            // After the script: a read of this node that starts now finds Redis without the old entries.
            if (_near is not null) foreach (var id in jobIds) _near.Invalidate(id);
        }
    }

    public async ValueTask InvalidateAllAsync(CancellationToken ct)
    {
        try
        {
            await BumpEpochAsync();
        }
        catch (Exception e) when (IsFault(e))
        {
            Missed(e);
        }
        finally
        {
            _near?.InvalidateAll();
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _near?.Dispose();
    }

    private IDatabase Database => _redis.GetDatabase();

    private RedisKey EntryKey(Guid id, JobCacheView view) =>
        _prefix + (view == JobCacheView.Status ? "status:" : "job:") + id.ToString("N");

    private RedisKey VersionKey(Guid id) => _prefix + "version:" + id.ToString("N");

    private Task BumpEpochAsync() =>
        Database.ScriptEvaluateAsync(BumpEpoch, [_epochKey], [_channel.ToString(), new[] { Everything }]);

    private async Task DropEverythingWrittenBeforeAsync()
    {
        await BumpEpochAsync();
        if (Interlocked.Exchange(ref _missedChanges, 0) == 1) CacheLog.RedisBack(_logger);
    }

    private async Task DropIfChangesWereMissedAsync()
    {
        if (Volatile.Read(ref _missedChanges) == 0) return;
        try
        {
            await DropEverythingWrittenBeforeAsync();
        }
        catch (Exception e) when (IsFault(e))
        {
            Missed(e);
        }
    }

    /// <summary>A cache fault: a Redis error, or a timeout (<see cref="RedisTimeoutException"/> is not a <see cref="RedisException"/>).</summary>
    private static bool IsFault(Exception e) => e is RedisException or TimeoutException;

    private void Missed(Exception e)
    {
        NearOff();
        if (Interlocked.Exchange(ref _missedChanges, 1) == 0) CacheLog.RedisAway(_logger, e.GetType().Name);
    }

    /// <summary>Stops serving from memory and empties it; a new probe has to come back before it is used again.</summary>
    private void NearOff()
    {
        if (_near is null) return;
        lock (_gate)
        {
            _probe = Guid.NewGuid();
            if (Interlocked.Exchange(ref _nearLive, 0) == 1) CacheLog.NearCacheOff(_logger);
            _near.InvalidateAll();
        }
    }

    /// <summary>Subscribes once (the client resubscribes after a reconnect), then, while the near cache is off, probes every second.</summary>
    private async Task KeepSubscribedAsync(CancellationToken ct)
    {
        var subscribed = false;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (!subscribed)
                {
                    await _redis.GetSubscriber().SubscribeAsync(_channel, (_, message) => Received(message));
                    subscribed = true;
                }
                if (Volatile.Read(ref _nearLive) == 0)
                {
                    var probe = new byte[17];
                    probe[0] = Probe;
                    lock (_gate) _probe.TryWriteBytes(probe.AsSpan(1));
                    await _redis.GetSubscriber().PublishAsync(_channel, probe);
                }
            }
            catch (Exception e) when (IsFault(e))
            {
                // Not connected: the next round tries again.
            }
            try
            {
                await Task.Delay(ProbeInterval, _time, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Received(RedisValue value)
    {
        var message = (byte[]?)value;
        if (message is not { Length: > 0 } || _near is null) return;
        switch (message[0])
        {
            case Changed:
                for (var i = 1; i + 16 <= message.Length; i += 16) _near.Invalidate(new Guid(message.AsSpan(i, 16)));
                break;
            case Everything:
                _near.InvalidateAll();
                break;
            case Probe when message.Length == 17:
                lock (_gate)
                {
                    if (new Guid(message.AsSpan(1)) != _probe) return;
                    _near.InvalidateAll();
                    if (Interlocked.Exchange(ref _nearLive, 1) == 0) CacheLog.NearCacheOn(_logger);
                }
                break;
        }
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
