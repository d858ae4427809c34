namespace Conveyor.Sessions.Audio;

/// <summary>What the first bytes of an audio file say: its container and, for WAV, the PCM layout and length.</summary>
public sealed record AudioFormat(AudioKind Kind)
{
    /// <summary>The WAV format tag: 1 for integer PCM, 3 for float, 0xFFFE for the extensible header.</summary>
    public int? FormatTag { get; init; }

    public int? Channels { get; init; }

    public int? SampleRate { get; init; }

    public int? BitsPerSample { get; init; }

    /// <summary>The WAV data chunk's length in seconds (to the millisecond), when its header gives it.</summary>
    public double? DurationSeconds { get; init; }

    /// <summary>16 kHz mono 16-bit PCM WAV: what speech engines such as pocketsphinx and whisper.cpp read.</summary>
    public bool IsSpeechWav => Kind == AudioKind.Wav && FormatTag == 1 && Channels == 1 && SampleRate == 16_000 && BitsPerSample == 16;

    /// <summary>The lowercase name used in settings and file names: <c>wav</c>, <c>mp3</c>, <c>ogg</c>, <c>flac</c>, <c>m4a</c>.</summary>
    public string Name => Kind.ToString().ToLowerInvariant();

    /// <summary>The media type sent with the audio.</summary>
    public string MediaType => Kind switch
    {
        AudioKind.Wav => "audio/wav",
        AudioKind.Mp3 => "audio/mpeg",
        AudioKind.Ogg => "audio/ogg",
        AudioKind.Flac => "audio/flac",
        _ => "audio/mp4",
    };
}
