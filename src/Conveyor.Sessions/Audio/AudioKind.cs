namespace Conveyor.Sessions.Audio;

/// <summary>The audio containers a session may be uploaded as.</summary>
public enum AudioKind
{
    Wav,
    Mp3,
    Ogg,
    Flac,
    M4a,
}
