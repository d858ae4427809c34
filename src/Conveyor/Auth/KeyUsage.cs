using System.Collections.Concurrent;
using Conveyor.Storage;

namespace Conveyor.Auth;

/// <summary>
/// Writes <c>last_used_at</c> in the background: the validator notes a key's use (at most once a minute per key) and
/// this writes the latest use of each key every few seconds, so no request waits for a write to the store.
/// </summary>
public sealed class KeyUsage(IApiKeyLookup store, TimeProvider time, ILogger<KeyUsage> logger) : PeriodicFlusher(time)
{
    private static readonly TimeSpan FlushEvery = TimeSpan.FromSeconds(5);
    private readonly ConcurrentDictionary<Guid, DateTimeOffset> _pending = new();

    /// <summary>Notes that <paramref name="keyId"/> was used at <paramref name="at"/>.</summary>
    public void Touch(Guid keyId, DateTimeOffset at) => _pending.AddOrUpdate(keyId, at, (_, seen) => seen > at ? seen : at);

    protected override TimeSpan Interval => FlushEvery;

    /// <summary>Writes every use noted since the last flush.</summary>
    public override async Task FlushAsync(CancellationToken ct)
    {
        foreach (var keyId in _pending.Keys)
        {
            if (!_pending.TryRemove(keyId, out var at)) continue;
            try
            {
                await store.TouchKeyAsync(keyId, at, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Could not record the last use of key {KeyId}", keyId);
            }
        }
    }
}
