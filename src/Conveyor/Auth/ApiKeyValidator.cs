using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Conveyor.Storage;
using Microsoft.Extensions.Options;

namespace Conveyor.Auth;

/// <summary>
/// Checks a presented key against the store: shape, prefix lookup, constant-time hash comparison, revoked, expired.
/// Verified keys are remembered for <see cref="AuthOptions.KeyCacheSeconds"/> (by hash, never the key itself), so
/// a busy client costs one SHA-256 and one dictionary lookup, not one query, per request.
/// </summary>
public sealed class ApiKeyValidator(IApiKeyLookup store, KeyUsage usage, TimeProvider time, IOptions<AuthOptions> options)
{
    private static readonly TimeSpan TouchEvery = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<KeyHash, Entry> _verified = new();
    private long _hashed;

    /// <summary>How many presented keys this node has hashed (diagnostics: a kept-alive connection's repeated key is not).</summary>
    public long KeysHashed => Interlocked.Read(ref _hashed);

    private sealed record Entry(VerifiedKey Key, DateTimeOffset CheckedAt, DateTimeOffset TouchedAt);

    /// <summary>The key with its principal when it is valid now; null when malformed, unknown, revoked or expired.</summary>
    public ValueTask<VerifiedKey?> ValidateAsync(ReadOnlyMemory<char> presented, CancellationToken ct)
    {
        if (!IsWellFormed(presented.Span)) return ValueTask.FromResult<VerifiedKey?>(null);
        var hash = Hash(presented.Span);
        var now = time.GetUtcNow();
        if (TryGetCached(hash, now, out var verified)) return ValueTask.FromResult<VerifiedKey?>(verified);
        var prefix = presented.Span.Slice(ApiKeyGenerator.Scheme.Length, ApiKeyGenerator.PrefixLength).ToString();
        return VerifyAsync(prefix, hash, now, ct);
    }

    /// <summary>
    /// The key when this node verified it within <see cref="AuthOptions.KeyCacheSeconds"/> and it is still live:
    /// no store, no await. False means "not known here", not "invalid": <see cref="ValidateAsync"/> decides those.
    /// </summary>
    public bool TryGetVerified(ReadOnlySpan<char> presented, [NotNullWhen(true)] out VerifiedKey? key) =>
        TryGetVerified(presented, connection: null, out key);

    /// <summary>
    /// As <see cref="TryGetVerified(ReadOnlySpan{char}, out VerifiedKey?)"/>, remembering the key's hash on the
    /// connection (<paramref name="connection"/>, an HTTP/1.x connection's items: one request at a time): a client that
    /// sends the same key on a kept-alive connection costs a constant-time comparison with what it sent before, not a
    /// SHA-256, per request. The cache entry is still looked up and checked each time, so a revoke, an expiry and
    /// <see cref="AuthOptions.KeyCacheSeconds"/> take effect as they do without it.
    /// </summary>
    public bool TryGetVerified(ReadOnlySpan<char> presented, IDictionary<object, object?>? connection, [NotNullWhen(true)] out VerifiedKey? key)
    {
        key = null;
        if (!IsWellFormed(presented)) return false;
        var now = time.GetUtcNow();
        if (connection is not null && connection.TryGetValue(ConnectionSlot, out var slot) && slot is SentBefore before
            && before.Presented.Length == presented.Length
            && CryptographicOperations.FixedTimeEquals(MemoryMarshal.AsBytes(before.Presented.AsSpan()), MemoryMarshal.AsBytes(presented)))
        {
            return TryGetCached(before.Hash, now, out key);
        }
        var hash = Hash(presented);
        if (!TryGetCached(hash, now, out key)) return false;
        if (connection is not null) connection[ConnectionSlot] = new SentBefore(presented.ToString(), hash);
        return true;
    }

    /// <summary>The key of a connection's items under which <see cref="SentBefore"/> is kept.</summary>
    private static readonly object ConnectionSlot = new();

    /// <summary>The key a connection sent last (it lives as long as the connection, like its header buffers) and its hash.</summary>
    private sealed record SentBefore(string Presented, KeyHash Hash);

    private KeyHash Hash(ReadOnlySpan<char> presented)
    {
        Interlocked.Increment(ref _hashed);
        return KeyHash.Of(presented);
    }

    private static bool IsWellFormed(ReadOnlySpan<char> key) =>
        key.Length <= KeyHash.MaxKeyLength && key.StartsWith(ApiKeyGenerator.Scheme, StringComparison.Ordinal)
        && key.Length > ApiKeyGenerator.Scheme.Length + ApiKeyGenerator.PrefixLength;

    private bool TryGetCached(KeyHash hash, DateTimeOffset now, [NotNullWhen(true)] out VerifiedKey? key)
    {
        key = null;
        if (!_verified.TryGetValue(hash, out var cached) || now - cached.CheckedAt >= TimeSpan.FromSeconds(options.Value.KeyCacheSeconds)
            || !IsLive(cached.Key.Record, now))
        {
            return false;
        }
        if (now - cached.TouchedAt >= TouchEvery)
        {
            _verified[hash] = cached with { TouchedAt = now };
            usage.Touch(cached.Key.Record.Id, now);
        }
        key = cached.Key;
        return true;
    }

    private async ValueTask<VerifiedKey?> VerifyAsync(string prefix, KeyHash hash, DateTimeOffset now, CancellationToken ct)
    {
        var record = await store.FindKeyByPrefixAsync(prefix, ct);
        if (record is null || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(record.Hash), Encoding.ASCII.GetBytes(hash.ToHex()))
            || !IsLive(record, now))
        {
            _verified.TryRemove(hash, out _);
            return null;
        }
        usage.Touch(record.Id, now);
        var verified = new VerifiedKey(record);
        _verified[hash] = new Entry(verified, now, now);
        return verified;
    }

    /// <summary>Forgets a key at once (after a revoke on this node).</summary>
    public void Forget(Guid keyId)
    {
        foreach (var (hash, entry) in _verified)
        {
            if (entry.Key.Record.Id == keyId) _verified.TryRemove(hash, out _);
        }
    }

    private static bool IsLive(ApiKeyRecord key, DateTimeOffset now) =>
        key.RevokedAt is null && (key.ExpiresAt is null || key.ExpiresAt > now) && Roles.IsRole(key.Role);
}
