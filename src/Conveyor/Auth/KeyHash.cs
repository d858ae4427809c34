using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Conveyor.Auth;

/// <summary>
/// The SHA-256 of a presented key as a value (what <see cref="ApiKeyGenerator.Hash"/> writes as hex), so the
/// cache of verified keys is looked up without a key string, a byte array or a hex string per request.
/// </summary>
public readonly record struct KeyHash(ulong A, ulong B, ulong C, ulong D)
{
    /// <summary>Longer presented values are refused before they are hashed.</summary>
    public const int MaxKeyLength = 200;

    /// <summary>The hash of <paramref name="key"/> (at most <see cref="MaxKeyLength"/> characters) as UTF-8.</summary>
    public static KeyHash Of(ReadOnlySpan<char> key)
    {
        if (key.Length > MaxKeyLength) throw new ArgumentOutOfRangeException(nameof(key), "The key is too long to hash.");
        Span<byte> utf8 = stackalloc byte[MaxKeyLength * 3];
        var length = Encoding.UTF8.GetBytes(key, utf8);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(utf8[..length], hash);
        return new(BinaryPrimitives.ReadUInt64BigEndian(hash), BinaryPrimitives.ReadUInt64BigEndian(hash[8..]),
            BinaryPrimitives.ReadUInt64BigEndian(hash[16..]), BinaryPrimitives.ReadUInt64BigEndian(hash[24..]));
    }

    /// <summary>Lower-case hex, as stored in <c>api_keys.hash</c>.</summary>
    public string ToHex()
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        BinaryPrimitives.WriteUInt64BigEndian(hash, A);
        BinaryPrimitives.WriteUInt64BigEndian(hash[8..], B);
        BinaryPrimitives.WriteUInt64BigEndian(hash[16..], C);
        BinaryPrimitives.WriteUInt64BigEndian(hash[24..], D);
        return Convert.ToHexStringLower(hash);
    }
}
