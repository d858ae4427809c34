using System.Buffers.Binary;

namespace Conveyor.Sessions.Audio;

/// <summary>Tells audio from its first bytes, never from its name: WAV (with its PCM header), MP3, Ogg, FLAC and M4A (MPEG-4 audio).</summary>
public static class AudioSniffer
{
    /// <summary>Bytes to read from the start of a file: enough for a WAV header with a few chunks before its data.</summary>
    public const int HeadBytes = 4096;

    // ISO base media brands of files that carry (or may carry only) audio; image brands such as heic and avif are not audio.
    private static readonly HashSet<string> Mp4Brands = new(StringComparer.Ordinal)
    {
        "M4A ", "M4B ", "M4P ", "mp41", "mp42", "isom", "iso2", "iso4", "iso5", "iso6", "3gp4", "3gp5", "3gp6", "dash", "f4a ", "f4v ",
    };

    /// <summary>The audio format of a file beginning with <paramref name="head"/>, or null when it is not audio this knows.</summary>
    public static AudioFormat? Sniff(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 12 && head.StartsWith("RIFF"u8) && head[8..12].SequenceEqual("WAVE"u8)) return Wav(head);
        if (head.StartsWith("fLaC"u8)) return new AudioFormat(AudioKind.Flac);
        if (head.StartsWith("OggS"u8)) return new AudioFormat(AudioKind.Ogg);
        if (head.StartsWith("ID3"u8) || IsMpegAudioFrame(head)) return new AudioFormat(AudioKind.Mp3);
        if (head.Length >= 12 && head[4..8].SequenceEqual("ftyp"u8) && Mp4Brands.Contains(System.Text.Encoding.ASCII.GetString(head[8..12])))
            return new AudioFormat(AudioKind.M4a);
        return null;
    }

    /// <summary>An MPEG audio frame header: 11 sync bits, a version other than the reserved one and a layer (ADTS AAC has none).</summary>
    private static bool IsMpegAudioFrame(ReadOnlySpan<byte> head) =>
        head.Length >= 4 && head[0] == 0xFF && (head[1] & 0xE0) == 0xE0 && (head[1] & 0x18) != 0x08 && (head[1] & 0x06) != 0
        && (head[2] & 0xF0) != 0xF0;

    /// <summary>Walks the RIFF chunks for <c>fmt </c> and the <c>data</c> length.</summary>
    private static AudioFormat Wav(ReadOnlySpan<byte> head)
    {
        var format = new AudioFormat(AudioKind.Wav);
        var offset = 12;
        int? byteRate = null;
        while (offset + 8 <= head.Length)
        {
            var id = head.Slice(offset, 4);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(head.Slice(offset + 4, 4));
            var body = offset + 8;
            if (id.SequenceEqual("fmt "u8) && size >= 16 && body + 16 <= head.Length)
            {
                var fmt = head.Slice(body, 16);
                format = format with
                {
                    FormatTag = BinaryPrimitives.ReadUInt16LittleEndian(fmt),
                    Channels = BinaryPrimitives.ReadUInt16LittleEndian(fmt[2..]),
                    SampleRate = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(fmt[4..]), int.MaxValue),
                    BitsPerSample = BinaryPrimitives.ReadUInt16LittleEndian(fmt[14..]),
                };
                byteRate = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(fmt[8..]), int.MaxValue);
            }
            else if (id.SequenceEqual("data"u8))
            {
                // A streamed WAV writes 0 or 0xFFFFFFFF for a length it did not know.
                if (byteRate > 0 && size is not (0 or uint.MaxValue))
                    format = format with { DurationSeconds = Math.Round(size * 1000.0 / byteRate.Value) / 1000.0 };
                break;
            }
            offset = body + (int)Math.Min(size + (size & 1), int.MaxValue - body);
        }
        return format;
    }
}
