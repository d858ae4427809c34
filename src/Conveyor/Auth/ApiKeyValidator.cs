using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Conveyor.Hosting;
using Conveyor.Storage;
using Microsoft.Extensions.Options;

namespace Conveyor.Auth;

/// <summary>
/// Checks a presented key against the store: shape, prefix lookup, constant-time hash comparison, revoked, expired.
/// Verified keys are remembered for <see cref="AuthOptions.KeyCacheSeconds"/> (by hash, never the key itself), so
/// a busy client costs one SHA-256, not one query, per request.
/// </summary>
public sealed class ApiKeyValidator(IApiKeyStore store, TimeProvider time, IOptions<ConveyorOptions> options)
{
    private static readonly TimeSpan TouchEvery = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, Entry> _verified = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(Guid Id, string Role, string Scheme), ClaimsPrincipal> _principals = new();

    private sealed record Entry(ApiKeyRecord Key, DateTimeOffset CheckedAt, DateTimeOffset TouchedAt);

    /// <summary>The key's record when it is valid now; null when malformed, unknown, revoked or expired.</summary>
    public async Task<ApiKeyRecord?> ValidateAsync(string presented, CancellationToken ct)
    {
        var prefix = ApiKeyGenerator.PrefixOf(presented);
        if (prefix is null || presented.Length > 200) return null;
        var hash = ApiKeyGenerator.Hash(presented);
        var now = time.GetUtcNow();
        var ttl = TimeSpan.FromSeconds(options.Value.Auth.KeyCacheSeconds);

        if (_verified.TryGetValue(hash, out var cached) && now - cached.CheckedAt < ttl && IsLive(cached.Key, now))
        {
            if (now - cached.TouchedAt >= TouchEvery)
            {
                _verified[hash] = cached with { TouchedAt = now };
                await store.TouchKeyAsync(cached.Key.Id, now, ct);
            }
            return cached.Key;
        }

        var record = await store.FindKeyByPrefixAsync(prefix, ct);
        if (record is null || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(record.Hash), Encoding.ASCII.GetBytes(hash))
            || !IsLive(record, now))
        {
            _verified.TryRemove(hash, out _);
            return null;
        }
        await store.TouchKeyAsync(record.Id, now, ct);
        _verified[hash] = new Entry(record, now, now);
        return record;
    }

    /// <summary>
    /// The principal of a verified key, built once per key, role and scheme and shared by its requests: nothing in
    /// the pipeline changes a principal, and rebuilding four claims per request was a measurable part of auth's cost.
    /// </summary>
    public ClaimsPrincipal PrincipalFor(ApiKeyRecord key, string scheme) =>
        _principals.GetOrAdd((key.Id, key.Role, scheme), _ => ConveyorAuth.Principal(key, scheme));

    /// <summary>Forgets a key at once (after a revoke on this node).</summary>
    public void Forget(Guid keyId)
    {
        foreach (var (hash, entry) in _verified)
        {
            if (entry.Key.Id == keyId) _verified.TryRemove(hash, out _);
        }
        foreach (var cached in _principals.Keys.Where(k => k.Id == keyId)) _principals.TryRemove(cached, out _);
    }

    private static bool IsLive(ApiKeyRecord key, DateTimeOffset now) =>
        key.RevokedAt is null && (key.ExpiresAt is null || key.ExpiresAt > now) && Roles.IsRole(key.Role);
}
