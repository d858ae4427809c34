using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Conveyor.Hosting;
using Conveyor.Storage;
using Microsoft.Extensions.Options;

namespace Conveyor.Auth;

/// <summary>
/// Checks a presented key against the store: shape, prefix lookup, constant-time hash comparison, revoked, expired.
/// Verified keys are remembered for <see cref="AuthOptions.KeyCacheSeconds"/> (by hash, never the key itself), so
/// a busy client costs one SHA-256 and one dictionary lookup, not one query, per request.
/// </summary>
public sealed class ApiKeyValidator(IApiKeyStore store, KeyUsage usage, TimeProvider time, IOptions<ConveyorOptions> options)
{
    private static readonly TimeSpan TouchEvery = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<KeyHash, Entry> _verified = new();

    private sealed record Entry(VerifiedKey Key, DateTimeOffset CheckedAt, DateTimeOffset TouchedAt);

    /// <summary>The key with its principal when it is valid now; null when malformed, unknown, revoked or expired.</summary>
    public ValueTask<VerifiedKey?> ValidateAsync(ReadOnlyMemory<char> presented, CancellationToken ct)
    {
        var key = presented.Span;
        if (key.Length > KeyHash.MaxKeyLength || !key.StartsWith(ApiKeyGenerator.Scheme, StringComparison.Ordinal)
            || key.Length <= ApiKeyGenerator.Scheme.Length + ApiKeyGenerator.PrefixLength)
        {
            return ValueTask.FromResult<VerifiedKey?>(null);
        }
        var hash = KeyHash.Of(key);
        var now = time.GetUtcNow();
        if (_verified.TryGetValue(hash, out var cached) && now - cached.CheckedAt < TimeSpan.FromSeconds(options.Value.Auth.KeyCacheSeconds)
            && IsLive(cached.Key.Record, now))
        {
            if (now - cached.TouchedAt >= TouchEvery)
            {
                _verified[hash] = cached with { TouchedAt = now };
                usage.Touch(cached.Key.Record.Id, now);
            }
            return ValueTask.FromResult<VerifiedKey?>(cached.Key);
        }
        var prefix = key.Slice(ApiKeyGenerator.Scheme.Length, ApiKeyGenerator.PrefixLength).ToString();
        return VerifyAsync(prefix, hash, now, ct);
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
        // Built once per verification and shared by the key's requests: nothing in the pipeline changes a principal,
        // and rebuilding four claims per request was a measurable part of auth's cost.
        var verified = new VerifiedKey(record, ConveyorAuth.Principal(record, ApiKeyAuthenticationHandler.SchemeName));
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
