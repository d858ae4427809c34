using Conveyor.Sessions.Audio;
using Conveyor.Sessions.Tests.Infrastructure;

namespace Conveyor.Sessions.Tests.Audio;

public sealed class AudioSnifferTests
{
    private static AudioFormat Sniffed(byte[] bytes) => Assert.IsType<AudioFormat>(AudioSniffer.Sniff(bytes));

    [Fact]
    public void A_WAV_header_gives_its_layout_and_the_data_length_in_seconds()
    {
        var wav = Sniffed(Wav.Header(16_000, 1, 16, 48_006));
        Assert.Equal((AudioKind.Wav, 1, 1, 16_000, 16), (wav.Kind, wav.FormatTag, wav.Channels, wav.SampleRate, wav.BitsPerSample));
        Assert.Equal(1.5, wav.DurationSeconds);
        Assert.True(wav.IsSpeechWav);
        Assert.Equal(("wav", "audio/wav"), (wav.Name, wav.MediaType));
    }

    [Fact]
    public void The_duration_is_rounded_to_the_millisecond()
    {
        // 61,402 samples at 22,050 Hz: 2.78467… s.
        Assert.Equal(2.785, Sniffed(Wav.Header(22_050, 1, 16, 122_804)).DurationSeconds);
    }

    [Theory]
    [InlineData(22_050, 1, 16, 1)]
    [InlineData(16_000, 2, 16, 1)]
    [InlineData(16_000, 1, 8, 1)]
    [InlineData(16_000, 1, 32, 3)]
    [InlineData(16_000, 1, 16, 0xFFFE)]
    [InlineData(44_100, 2, 24, 1)]
    public void Only_16_kHz_mono_16_bit_PCM_is_speech_WAV(int rate, int channels, int bits, int tag)
    {
        var wav = Sniffed(Wav.Header(rate, channels, bits, 1000, tag));
        Assert.Equal((tag, channels, rate, bits), (wav.FormatTag, wav.Channels, wav.SampleRate, wav.BitsPerSample));
        Assert.False(wav.IsSpeechWav);
    }

    [Fact]
    public void Chunks_before_fmt_are_walked_past_including_an_odd_sized_one_and_its_pad_byte()
    {
        byte[] list = [.. "LIST"u8, 5, 0, 0, 0, .. "INFOx"u8, 0];
        var wav = Sniffed(Wav.Header(16_000, 1, 16, 32_000, chunkBeforeFmt: list));
        Assert.Equal((16_000, 1.0), (wav.SampleRate, wav.DurationSeconds));
        Assert.True(wav.IsSpeechWav);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(uint.MaxValue)]
    public void A_streamed_WAV_with_an_unknown_length_has_no_duration(uint size)
    {
        var wav = Sniffed(Wav.Header(16_000, 1, 16, size));
        Assert.Null(wav.DurationSeconds);
        Assert.True(wav.IsSpeechWav);
    }

    [Fact]
    public void A_WAV_cut_off_before_its_fmt_chunk_is_WAV_without_a_layout()
    {
        var wav = Sniffed(Wav.Header(16_000, 1, 16, 100)[..20]);
        Assert.Equal(AudioKind.Wav, wav.Kind);
        Assert.Null(wav.SampleRate);
        Assert.Null(wav.DurationSeconds);
        Assert.False(wav.IsSpeechWav);
    }

    [Fact]
    public void A_WAV_cut_off_before_its_data_chunk_has_a_layout_but_no_duration()
    {
        var wav = Sniffed(Wav.Header(16_000, 1, 16, 100)[..40]);
        Assert.Equal((16_000, (double?)null), (wav.SampleRate, wav.DurationSeconds));
    }

    public static TheoryData<byte[], AudioKind, string, string> Containers => new()
    {
        { [.. "fLaC"u8, 0, 0, 0, 34], AudioKind.Flac, "flac", "audio/flac" },
        { [.. "OggS"u8, 0, 2], AudioKind.Ogg, "ogg", "audio/ogg" },
        { [.. "ID3"u8, 4, 0, 0], AudioKind.Mp3, "mp3", "audio/mpeg" },
        { [0xFF, 0xFB, 0x90, 0x64], AudioKind.Mp3, "mp3", "audio/mpeg" },
        { [0xFF, 0xF3, 0x40, 0x00], AudioKind.Mp3, "mp3", "audio/mpeg" },
        { [0xFF, 0xE3, 0x18, 0x00], AudioKind.Mp3, "mp3", "audio/mpeg" },
        { [0, 0, 0, 0x20, .. "ftypM4A "u8, 0, 0, 0, 0], AudioKind.M4a, "m4a", "audio/mp4" },
        { [0, 0, 0, 0x18, .. "ftypmp42"u8], AudioKind.M4a, "m4a", "audio/mp4" },
        { [0, 0, 0, 0x18, .. "ftypisom"u8], AudioKind.M4a, "m4a", "audio/mp4" },
    };

    [Theory]
    [MemberData(nameof(Containers))]
    public void Containers_are_told_from_their_first_bytes(byte[] head, AudioKind kind, string name, string mediaType)
    {
        var format = Sniffed(head);
        Assert.Equal((kind, name, mediaType), (format.Kind, format.Name, format.MediaType));
        Assert.False(format.IsSpeechWav);
        Assert.Null(format.DurationSeconds);
    }

    public static TheoryData<byte[]> NotAudio
    {
        get
        {
            var data = new TheoryData<byte[]>();
            data.Add(Array.Empty<byte>());
            data.Add("WEBVTT\n\n"u8.ToArray());
            data.Add([.. "RIFF"u8, 0, 0, 0, 0, .. "AVI "u8]);
            data.Add([.. "RIFF"u8, 0, 0, 0, 0, .. "WAV"u8]);
            data.Add([.. "fLa"u8]);
            data.Add([.. "Ogg"u8]);
            data.Add([.. "ID"u8]);
            data.Add([0xFF, 0xF1, 0x50, 0x80]);
            data.Add([0xFF, 0xE9, 0x90, 0x64]);
            data.Add([0xFF, 0xFB, 0xF0, 0x64]);
            data.Add([0xFF, 0xFB, 0x90]);
            data.Add([0xFF, 0xC0, 0x90, 0x64]);
            data.Add([0xFE, 0xFB, 0x90, 0x64]);
            data.Add([0, 0, 0, 0x18, .. "ftypheic"u8]);
            data.Add([0, 0, 0, 0x18, .. "ftypavif"u8]);
            data.Add([0, 0, 0, 0x18, .. "ftyp"u8]);
            data.Add([0, 0, 0, 0x18, .. "mdatM4A "u8]);
            data.Add("MZ\x90\x00"u8.ToArray());
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(NotAudio))]
    public void Other_content_is_not_audio(byte[] head)
    {
        Assert.Null(AudioSniffer.Sniff(head));
    }
}
