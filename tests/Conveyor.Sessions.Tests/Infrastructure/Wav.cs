using System.Buffers.Binary;

namespace Conveyor.Sessions.Tests.Infrastructure;

/// <summary>Builds WAV headers byte by byte, for sniffing tests that need exact values.</summary>
public static class Wav
{
    public static byte[] Header(int sampleRate, int channels, int bits, uint dataBytes, int formatTag = 1, byte[]? chunkBeforeFmt = null)
    {
        var stream = new MemoryStream();
        void Write(ReadOnlySpan<byte> bytes) => stream.Write(bytes);
        void U16(int v) { Span<byte> b = stackalloc byte[2]; BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)v); Write(b); }
        void U32(uint v) { Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(b, v); Write(b); }
        Write("RIFF"u8);
        U32(36 + dataBytes);
        Write("WAVE"u8);
        if (chunkBeforeFmt is not null) Write(chunkBeforeFmt);
        Write("fmt "u8);
        U32(16);
        U16(formatTag);
        U16(channels);
        U32((uint)sampleRate);
        U32((uint)(sampleRate * channels * bits / 8));
        U16(channels * bits / 8);
        U16(bits);
        Write("data"u8);
        U32(dataBytes);
        return stream.ToArray();
    }
}
