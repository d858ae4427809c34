using Conveyor.Sessions.Audio;
using Microsoft.Extensions.Logging;

namespace Conveyor.Sessions.Transcription;

/// <summary>
/// Runs the configured command on the audio (converted to 16 kHz mono WAV first unless the command reads it as it is)
/// and reads its transcript from <c>{output}</c> or its standard output: WebVTT, SRT or plain text. The command's
/// stderr goes to the server log, never into the job's error.
/// </summary>
public sealed class CommandTranscriptionEngine(
    TranscriptionOptions options, AudioConverter converter, ILogger<CommandTranscriptionEngine> logger, TimeProvider? time = null)
    : ITranscriptionEngine
{
    public const string NoText = "The transcription engine returned no text.";
    public const string NoOutputFile = "The transcription engine wrote no transcript file.";
    public const string Unreadable = "The transcription engine's output is not a transcript it can read.";

    private const string OutputName = "transcript";
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async Task<TranscriptResult> TranscribeAsync(string audioPath, AudioFormat format, CancellationToken ct)
    {
        var work = Directory.CreateTempSubdirectory("conveyor-transcription-");
        try
        {
            var input = Path.GetFullPath(audioPath);
            var audio = format;
            if (!options.Reads(format))
            {
                input = Path.Combine(work.FullName, "audio.wav");
                if (await converter.ConvertAsync(Path.GetFullPath(audioPath), format, input, options.Timeout, logger, ct).ConfigureAwait(false) is { } failed)
                    return TranscriptResult.Failure(failed);
                audio = await SniffAsync(input, ct).ConfigureAwait(false) ?? format;
            }

            var output = Path.Combine(work.FullName, OutputName);
            var writesFile = options.Command.Any(a => a.Contains("{output}", StringComparison.Ordinal));
            var command = options.Command.Select(a => a.Replace("{input}", input, StringComparison.Ordinal).Replace("{output}", output, StringComparison.Ordinal)).ToArray();
            var program = Path.GetFileName(command[0]);

            var result = await ProgramRunner.RunAsync(command, work.FullName, options.Timeout, _time, ct).ConfigureAwait(false);
            if (result is null) return TranscriptResult.Failure($"The transcription engine {program} could not be started.");
            if (result.Stderr.Length > 0) logger.LogDebug("{Program} wrote to stderr: {Stderr}", program, ProgramRunner.Tail(result.Stderr));
            if (result.TimedOut)
                return TranscriptResult.Transient($"The transcription engine did not finish within {options.Timeout.TotalSeconds:0} seconds.");
            if (result.ExitCode != 0)
            {
                logger.LogWarning("{Program} exited with code {ExitCode}: {Stderr}", program, result.ExitCode, ProgramRunner.Tail(result.Stderr));
                return TranscriptResult.Transient($"The transcription engine {program} exited with code {result.ExitCode}.");
            }

            string text;
            string? name = null;
            if (writesFile)
            {
                var file = File.Exists(output) ? output : work.EnumerateFiles(OutputName + ".*").Select(f => f.FullName).Order(StringComparer.Ordinal).FirstOrDefault();
                if (file is null) return TranscriptResult.Failure(NoOutputFile);
                text = await File.ReadAllTextAsync(file, ct).ConfigureAwait(false);
                name = Path.GetFileName(file);
            }
            else
            {
                text = result.Stdout;
            }

            var read = TranscriptReader.Read(text, name);
            if (read.Transcript is not { } transcript)
            {
                logger.LogWarning("{Program}'s output could not be read: {Reason}", program, read.Error);
                return TranscriptResult.Failure(Unreadable);
            }
            if (transcript.Segments.Count == 0) return TranscriptResult.Failure(NoText);
            return TranscriptResult.Success(
                transcript with { Format = TranscriptFormats.Audio, DurationSeconds = transcript.DurationSeconds ?? audio.DurationSeconds },
                read.SkippedBlocks);
        }
        finally
        {
            try
            {
                work.Delete(recursive: true);
            }
            catch (IOException e)
            {
                logger.LogWarning(e, "Could not remove the transcription work directory");
            }
        }
    }

    private static async Task<AudioFormat?> SniffAsync(string path, CancellationToken ct)
    {
        await using var file = File.OpenRead(path);
        var head = new byte[AudioSniffer.HeadBytes];
        var read = await file.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, ct).ConfigureAwait(false);
        return AudioSniffer.Sniff(head.AsSpan(0, read));
    }
}
