using Conveyor.Sessions.Audio;
using Conveyor.Sessions.Tests.Infrastructure;
using Conveyor.Sessions.Transcription;

namespace Conveyor.Sessions.Tests.Transcription;

/// <summary>
/// The command engine with the real engine: Debian's pocketsphinx (5prealpha, <c>pocketsphinx_continuous</c>) and its
/// en-us model, on speech that espeak-ng speaks and sox converts. The words are pocketsphinx's own; the sentence's
/// first words come through reliably (the rest of it the model mishears).
/// </summary>
public sealed class CommandTranscriptionEngineTests(Speech speech) : IClassFixture<Speech>
{
    private const string Heard = "the quick brown fox";
    private readonly CapturedLog<CommandTranscriptionEngine> _log = new();

    private CommandTranscriptionEngine Engine(string[] command, AudioConverter? converter = null, string[]? accepts = null, TimeSpan? timeout = null) =>
        new(new TranscriptionOptions { Command = command, Accepts = accepts ?? [], Timeout = timeout ?? TimeSpan.FromMinutes(2) },
            converter ?? AudioConverter.FromPath(), _log);

    private static AudioFormat Format(string path)
    {
        var head = File.ReadAllBytes(path);
        return Assert.IsType<AudioFormat>(AudioSniffer.Sniff(head.AsSpan(0, Math.Min(head.Length, AudioSniffer.HeadBytes))));
    }

    private async Task<TranscriptResult> Transcribe(CommandTranscriptionEngine engine, string path) =>
        await engine.TranscribeAsync(path, Format(path), CancellationToken.None);

    private static Transcript Ok(TranscriptResult result)
    {
        Assert.Null(result.Error);
        return Assert.IsType<Transcript>(result.Transcript);
    }

    /// <summary>A directory holding only a link to sox: a machine with sox and without ffmpeg.</summary>
    private string SoxOnly()
    {
        var directory = speech.Path("sox-only");
        if (!Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory);
            File.CreateSymbolicLink(Path.Combine(directory, "sox"), Speech.Which("sox")!);
        }
        return directory;
    }

    [Fact]
    public async Task Pocketsphinx_transcribes_a_22_kHz_WAV_after_sox_converts_it_to_16_kHz_mono()
    {
        var transcript = Ok(await Transcribe(Engine(Speech.Pocketsphinx, new AudioConverter([SoxOnly()])), speech.Spoken22k));
        Assert.False(Format(speech.Spoken22k).IsSpeechWav);
        Assert.Equal(TranscriptFormats.Audio, transcript.Format);
        Assert.StartsWith(Heard, transcript.Text);
        var segment = Assert.Single(transcript.Segments);
        Assert.Equal((0, (double?)null, (double?)null, (string?)null, transcript.Text), (segment.Index, segment.StartSeconds, segment.EndSeconds, segment.Speaker, segment.Text));
        // The length of the converted audio, from its WAV header: 2.785 s of speech.
        Assert.Equal(Format(speech.Speech16k).DurationSeconds, transcript.DurationSeconds);
        Assert.Equal(2.785, transcript.DurationSeconds!.Value, 2);
    }

    [Fact]
    public async Task A_16_kHz_mono_WAV_goes_to_the_engine_as_it_is_without_a_converter()
    {
        var transcript = Ok(await Transcribe(Engine(Speech.Pocketsphinx, new AudioConverter([])), speech.Speech16k));
        Assert.StartsWith(Heard, transcript.Text);
        Assert.Equal(Format(speech.Speech16k).DurationSeconds, transcript.DurationSeconds);
    }

    [Fact]
    public async Task FLAC_is_sniffed_from_its_bytes_and_converted()
    {
        Assert.Equal(AudioKind.Flac, Format(speech.Flac).Kind);
        Assert.StartsWith(Heard, Ok(await Transcribe(Engine(Speech.Pocketsphinx, new AudioConverter([SoxOnly()])), speech.Flac)).Text);
    }

    [Fact]
    public async Task Ogg_Vorbis_is_sniffed_from_its_bytes_and_converted()
    {
        Assert.Equal(AudioKind.Ogg, Format(speech.Ogg).Kind);
        Assert.StartsWith(Heard, Ok(await Transcribe(Engine(Speech.Pocketsphinx, new AudioConverter([SoxOnly()])), speech.Ogg)).Text);
    }

    [Fact]
    public async Task Audio_the_engine_cannot_read_fails_naming_the_missing_converter()
    {
        var result = await Transcribe(Engine(Speech.Pocketsphinx, new AudioConverter([])), speech.Spoken22k);
        Assert.Null(result.Transcript);
        Assert.Equal("Converting WAV audio to 16 kHz mono WAV needs sox or ffmpeg; neither is installed.", result.Error);
    }

    [Theory]
    [InlineData(new byte[] { (byte)'I', (byte)'D', (byte)'3', 4, 0, 0, 0, 0, 0, 0 }, "MP3")]
    [InlineData(new byte[] { 0, 0, 0, 0x18, (byte)'f', (byte)'t', (byte)'y', (byte)'p', (byte)'M', (byte)'4', (byte)'A', (byte)' ' }, "M4A")]
    public async Task MP3_and_M4A_need_ffmpeg_which_sox_alone_does_not_replace(byte[] head, string kind)
    {
        var path = speech.Path("upload-" + kind);
        await File.WriteAllBytesAsync(path, head);
        var result = await Transcribe(Engine(Speech.Pocketsphinx, new AudioConverter([SoxOnly()])), path);
        Assert.Equal($"Converting {kind} audio to 16 kHz mono WAV needs ffmpeg, which is not installed.", result.Error);
    }

    [Fact]
    public async Task A_conversion_that_fails_says_so_and_logs_the_converters_stderr()
    {
        // FLAC's signature and nothing after it: sox cannot decode it.
        var path = speech.Path("broken.flac");
        await File.WriteAllBytesAsync(path, [.. "fLaC"u8, 0, 0, 0, 34, 1, 2, 3]);
        var result = await Transcribe(Engine(Speech.Pocketsphinx, new AudioConverter([SoxOnly()])), path);
        Assert.Equal("The FLAC audio could not be converted to 16 kHz mono WAV (sox exited with code 2).", result.Error);
        Assert.False(result.Retryable); // the same bytes will not convert next time either
        Assert.Contains("sox could not convert FLAC audio (exit code 2)", _log.All);
    }

    [Fact]
    public async Task An_engine_that_fails_gives_its_exit_code_and_its_stderr_goes_to_the_log_only()
    {
        // Told it reads any WAV, the engine gets 22 kHz audio and refuses it.
        var result = await Transcribe(Engine(Speech.Pocketsphinx, new AudioConverter([]), accepts: ["wav"]), speech.Spoken22k);
        Assert.Equal("The transcription engine pocketsphinx_continuous exited with code 1.", result.Error);
        Assert.True(result.Retryable); // an engine that crashed may not next time: the job keeps its retries
        Assert.Contains("Input audio file has sample rate [22050], but decoder expects [16000]", _log.All);
        Assert.Equal(result.Error, Core.SafeError.Sanitize(result.Error));
    }

    [Fact]
    public async Task With_output_the_transcript_is_the_file_the_engine_wrote_with_any_extension()
    {
        string[] command = ["sh", "-c", "pocketsphinx_continuous -infile \"$1\" > \"$2.txt\"", "sh", "{input}", "{output}"];
        var transcript = Ok(await Transcribe(Engine(command), speech.Speech16k));
        Assert.StartsWith(Heard, transcript.Text);
        Assert.Equal(TranscriptFormats.Audio, transcript.Format);
    }

    [Fact]
    public async Task A_WebVTT_file_from_the_engine_gives_timed_segments_and_speakers()
    {
        string[] command = ["sh", "-c", "printf 'WEBVTT\\n\\n00:00.000 --> 00:01.250\\n<v Tutor>Hello &amp; welcome\\n\\n00:01.250 --> 00:02.785\\nto cells\\n' > \"$1.vtt\"; test -f \"$2\"", "sh", "{output}", "{input}"];
        var transcript = Ok(await Transcribe(Engine(command), speech.Speech16k));
        Assert.Equal(TranscriptFormats.Audio, transcript.Format);
        Assert.Equal(2.785, transcript.DurationSeconds);
        Assert.Equal([(0.0, 1.25, "Tutor", "Hello & welcome"), (1.25, 2.785, null, "to cells")],
            transcript.Segments.Select(s => (s.StartSeconds!.Value, s.EndSeconds!.Value, s.Speaker, s.Text)));
    }

    [Fact]
    public async Task The_engines_stdout_may_be_SRT()
    {
        string[] command = ["printf", "1\\n00:00:00,500 --> 00:00:02,000\\n%s\\n", "{input}"];
        var transcript = Ok(await Transcribe(Engine(command), speech.Speech16k));
        Assert.Equal((0.5, 2.0), (transcript.Segments[0].StartSeconds, transcript.Segments[0].EndSeconds));
        Assert.Equal(2.0, transcript.DurationSeconds);
    }

    [Fact]
    public async Task Output_the_engine_wrote_that_is_not_a_transcript_fails_with_a_safe_message()
    {
        string[] command = ["sh", "-c", "printf 'not captions' > \"$1.vtt\"", "sh", "{output}", "{input}"];
        var result = await Transcribe(Engine(command), speech.Speech16k);
        Assert.Equal("The transcription engine's output is not a transcript it can read.", result.Error);
        Assert.Contains("its first line must be WEBVTT", _log.All);
    }

    [Fact]
    public async Task An_engine_that_writes_no_output_file_fails_saying_so()
    {
        var result = await Transcribe(Engine(["true", "{input}", "{output}"]), speech.Speech16k);
        Assert.Equal("The transcription engine wrote no transcript file.", result.Error);
    }

    [Fact]
    public async Task Silence_gives_no_text_and_fails_saying_so()
    {
        var result = await Transcribe(Engine(Speech.Pocketsphinx), speech.Silence);
        Assert.Equal("The transcription engine returned no text.", result.Error);
    }

    [Fact]
    public async Task A_program_that_does_not_exist_fails_naming_it()
    {
        var result = await Transcribe(Engine(["/opt/nowhere/no-such-engine", "{input}"]), speech.Speech16k);
        Assert.Equal("The transcription engine no-such-engine could not be started.", result.Error);
    }

    [Fact]
    public async Task An_engine_past_its_timeout_is_stopped_and_the_job_fails_saying_so()
    {
        var started = DateTime.UtcNow;
        var result = await Transcribe(Engine(["sh", "-c", "sleep 60", "{input}"], timeout: TimeSpan.FromSeconds(1)), speech.Speech16k);
        Assert.Equal("The transcription engine did not finish within 1 seconds.", result.Error);
        Assert.True(result.Retryable);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Arguments_reach_the_engine_as_they_are_without_a_shell()
    {
        var transcript = Ok(await Transcribe(Engine(["printf", "%s|%s", "$HOME `id` ; * {input}", "'{input}'"]), speech.Speech16k));
        var input = Path.GetFullPath(speech.Speech16k);
        Assert.Equal($"$HOME `id` ; * {input}|'{input}'", transcript.Text);
    }

    [Fact]
    public async Task The_work_directory_with_the_converted_audio_is_removed_afterwards()
    {
        string[] command = ["sh", "-c", "printf '%s' \"$1\" > \"$1\"", "sh", "{output}", "{input}"];
        var transcript = Ok(await Transcribe(Engine(command, new AudioConverter([SoxOnly()])), speech.Spoken22k));
        var work = Path.GetDirectoryName(transcript.Text)!;
        Assert.StartsWith("conveyor-transcription-", Path.GetFileName(work));
        Assert.False(Directory.Exists(work));
    }

    [Fact]
    public async Task Cancelling_stops_the_engine_and_throws()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Engine(["sh", "-c", "sleep 60", "{input}"]).TranscribeAsync(speech.Speech16k, Format(speech.Speech16k), cancelled.Token));
    }
}
