using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
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

    private sealed record Entry(VerifiedKey Key, DateTimeOffset CheckedAt, DateTimeOffset TouchedAt);

    /// <summary>The key with its principal when it is valid now; null when malformed, unknown, revoked or expired.</summary>
    public ValueTask<VerifiedKey?> ValidateAsync(ReadOnlyMemory<char> presented, CancellationToken ct)
    {
        if (!IsWellFormed(presented.Span)) return ValueTask.FromResult<VerifiedKey?>(null);
        var hash = KeyHash.Of(presented.Span);
        var now = time.GetUtcNow();
        if (TryGetCached(hash, now, out var verified)) return ValueTask.FromResult<VerifiedKey?>(verified);
        var prefix = presented.Span.Slice(ApiKeyGenerator.Scheme.Length, ApiKeyGenerator.PrefixLength).ToString();
        return VerifyAsync(prefix, hash, now, ct);
    }

    /// <summary>
    /// The key when this node verified it within <see cref="AuthOptions.KeyCacheSeconds"/> and it is still live:
    /// no store, no await. False means "not known here", not "invalid": <see cref="ValidateAsync"/> decides those.
    /// </summary>
    public bool TryGetVerified(ReadOnlySpan<char> presented, [NotNullWhen(true)] out VerifiedKey? key)
    {
        key = null;
        return IsWellFormed(presented) && TryGetCached(KeyHash.Of(presented), time.GetUtcNow(), out key);
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
