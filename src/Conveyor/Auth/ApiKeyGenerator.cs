using System.Security.Cryptography;
using Conveyor.Storage;

namespace Conveyor.Auth;

/// <summary>Makes API keys (<c>cvk_</c> + 8-character public prefix + 32 random characters, 190+ bits) and their hashes.</summary>
public static class ApiKeyGenerator
{
    public const string Scheme = "cvk_";
    public const int PrefixLength = 8;
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    private const int SecretLength = 32;
    private static readonly System.Buffers.SearchValues<char> AlphabetValues = System.Buffers.SearchValues.Create(Alphabet);

    public static string NewKey() =>
        Scheme + RandomNumberGenerator.GetString(Alphabet, PrefixLength) + "_" + RandomNumberGenerator.GetString(Alphabet, SecretLength);

    /// <summary>
    /// Whether <paramref name="key"/> has the shape of a key: <c>cvk_</c>, 8 letters or digits, <c>_</c>, then at least 32
    /// more (<see cref="NewKey"/> makes exactly 32; a secret manager may make more), at most <see cref="KeyHash.MaxKeyLength"/> in all.
    /// </summary>
    public static bool IsWellFormed(string key) =>
        key.Length >= Scheme.Length + PrefixLength + 1 + SecretLength && key.Length <= KeyHash.MaxKeyLength
        && key.StartsWith(Scheme, StringComparison.Ordinal)
        && key[Scheme.Length + PrefixLength] == '_'
        && !key.AsSpan(Scheme.Length, PrefixLength).ContainsAnyExcept(AlphabetValues)
        && !key.AsSpan(Scheme.Length + PrefixLength + 1).ContainsAnyExcept(AlphabetValues);

    /// <summary>The lookup prefix of a key, or null when it is not shaped like one.</summary>
    public static string? PrefixOf(string key) =>
        key.StartsWith(Scheme, StringComparison.Ordinal) && key.Length > Scheme.Length + PrefixLength
            ? key.Substring(Scheme.Length, PrefixLength)
            : null;

    /// <summary>SHA-256 of the whole key: keys are long random strings, so no salt or stretching is needed.</summary>
    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)));

    public static ApiKeyRecord Record(string key, string name, string role, DateTimeOffset now) =>
        new(Guid.CreateVersion7(), PrefixOf(key) ?? throw new ArgumentException("Not a Conveyor API key.", nameof(key)),
            Hash(key), name, role, now, null, null, null);

    /// <summary>A new key and its record; the API and the CLI create keys through this.</summary>
    public static (string Key, ApiKeyRecord Record) Create(string name, string role, DateTimeOffset? expiresAt, DateTimeOffset now)
    {
        var key = NewKey();
        return (key, Record(key, name, role, now) with { ExpiresAt = expiresAt });
    }
}
