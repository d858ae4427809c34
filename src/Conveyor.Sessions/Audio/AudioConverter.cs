using Conveyor.Sessions.Transcription;
using Microsoft.Extensions.Logging;

namespace Conveyor.Sessions.Audio;

/// <summary>
/// Converts audio to 16 kHz mono 16-bit WAV with ffmpeg (any format) or sox (WAV, FLAC, Ogg), whichever is installed,
/// ffmpeg first (sox in repeatable mode, so the same audio always converts, and transcribes, the same). Without one
/// that reads the format, the conversion fails naming the program it needs.
/// </summary>
public sealed class AudioConverter
{
    private readonly IReadOnlyList<string> _directories;
    private readonly TimeProvider _time;

    /// <param name="searchDirectories">Where to look for <c>ffmpeg</c> and <c>sox</c>, in order.</param>
    public AudioConverter(IEnumerable<string> searchDirectories, TimeProvider? time = null)
    {
        _directories = searchDirectories.Where(d => d.Length > 0).ToArray();
        _time = time ?? TimeProvider.System;
    }

    /// <summary>A converter that looks in the directories of <c>PATH</c>.</summary>
    public static AudioConverter FromPath() =>
        new((Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator));

    /// <summary>Writes <paramref name="output"/> as 16 kHz mono WAV; returns null, or why it could not (safe to show).</summary>
    public async Task<string?> ConvertAsync(string input, AudioFormat format, string output, TimeSpan timeout, ILogger logger, CancellationToken ct)
    {
        var kind = format.Name.ToUpperInvariant();
        string[] command;
        if (Find("ffmpeg") is { } ffmpeg)
        {
            command = [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", input,
                "-ar", "16000", "-ac", "1", "-c:a", "pcm_s16le", "-f", "wav", output];
        }
        else if ((format.Kind is AudioKind.Wav or AudioKind.Flac or AudioKind.Ogg) && Find("sox") is { } sox)
        {
            command = [sox, "-R", "-V1", "-t", format.Name, input, "-r", "16000", "-c", "1", "-b", "16", "-e", "signed-integer", "-t", "wav", output];
        }
        else
        {
            return format.Kind is AudioKind.Mp3 or AudioKind.M4a
                ? $"Converting {kind} audio to 16 kHz mono WAV needs ffmpeg, which is not installed."
                : $"Converting {kind} audio to 16 kHz mono WAV needs sox or ffmpeg; neither is installed.";
        }

        var program = Path.GetFileName(command[0]);
        var result = await ProgramRunner.RunAsync(command, Path.GetDirectoryName(output)!, timeout, _time, ct).ConfigureAwait(false);
        if (result is null) return $"The audio converter {program} could not be started.";
        if (result.TimedOut) return $"Converting the audio with {program} took longer than {timeout.TotalSeconds:0} seconds.";
        if (result.ExitCode != 0 || !File.Exists(output))
        {
            logger.LogWarning("{Program} could not convert {Format} audio (exit code {ExitCode}): {Stderr}",
                program, kind, result.ExitCode, ProgramRunner.Tail(result.Stderr));
            return $"The {kind} audio could not be converted to 16 kHz mono WAV ({program} exited with code {result.ExitCode}).";
        }
        return null;
    }

    internal string? Find(string program) =>
        _directories.Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);
}
