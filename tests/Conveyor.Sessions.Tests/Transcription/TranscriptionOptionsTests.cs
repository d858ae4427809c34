using Conveyor.Sessions.Audio;
using Conveyor.Sessions.Transcription;
using Microsoft.Extensions.Configuration;

namespace Conveyor.Sessions.Tests.Transcription;

public sealed class TranscriptionOptionsTests
{
    private static TranscriptionOptions Bind(params (string Key, string Value)[] settings) =>
        TranscriptionOptions.Bind(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build());

    [Fact]
    public void Nothing_set_means_no_engine_and_the_defaults()
    {
        var options = Bind();
        Assert.False(options.HasCommand);
        Assert.False(options.HasEndpoint);
        Assert.Equal(("whisper-1", TimeSpan.FromMinutes(30)), (options.Model, options.Timeout));
        Assert.Empty(options.Validate());
    }

    [Fact]
    public void The_command_binds_as_an_argument_list()
    {
        var options = Bind(
            ("Conveyor:Transcription:Command:0", "pocketsphinx_continuous"),
            ("Conveyor:Transcription:Command:1", "-infile"),
            ("Conveyor:Transcription:Command:2", "{input}"));
        Assert.Equal(["pocketsphinx_continuous", "-infile", "{input}"], options.Command);
        Assert.True(options.HasCommand);
        Assert.Empty(options.Validate());
    }

    [Fact]
    public void A_one_line_command_is_split_at_spaces_with_quotes_grouping()
    {
        var options = Bind(("Conveyor:Transcription:Command", "  whisper-cli -m '/opt/models/ggml base.bin'\t-f {input} -ovtt -of \"{output}\" -l \"\"  "));
        Assert.Equal(["whisper-cli", "-m", "/opt/models/ggml base.bin", "-f", "{input}", "-ovtt", "-of", "{output}", "-l", ""], options.Command);
    }

    [Theory]
    [InlineData("a\"b c\"d", new[] { "ab cd" })]
    [InlineData("'it\"s' x", new[] { "it\"s", "x" })]
    [InlineData("unterminated 'quote here", new[] { "unterminated", "quote here" })]
    [InlineData("", new string[0])]
    [InlineData(" \t ", new string[0])]
    public void Command_lines_split_without_any_other_shell_syntax(string line, string[] expected)
    {
        Assert.Equal(expected, CommandLine.Split(line));
    }

    [Fact]
    public void The_endpoint_key_model_timeout_and_accepted_formats_bind()
    {
        var options = Bind(
            ("Conveyor:Transcription:Endpoint", "http://127.0.0.1:8080"),
            ("Conveyor:Transcription:ApiKey", "sk-test"),
            ("Conveyor:Transcription:Model", "base.en"),
            ("Conveyor:Transcription:Timeout", "00:02:00"),
            ("Conveyor:Transcription:Accepts:0", "MP3"),
            ("Conveyor:Transcription:Accepts:1", "flac"));
        Assert.Equal(("http://127.0.0.1:8080", "sk-test", "base.en", TimeSpan.FromMinutes(2)), (options.Endpoint, options.ApiKey, options.Model, options.Timeout));
        Assert.True(options.HasEndpoint);
        Assert.Empty(options.Validate());
        Assert.True(options.Reads(new AudioFormat(AudioKind.Mp3)));
        Assert.True(options.Reads(new AudioFormat(AudioKind.Flac)));
        Assert.False(options.Reads(new AudioFormat(AudioKind.Ogg)));
    }

    [Fact]
    public void By_default_only_16_kHz_mono_PCM_WAV_is_read_without_conversion()
    {
        var options = new TranscriptionOptions();
        Assert.True(options.Reads(new AudioFormat(AudioKind.Wav) { FormatTag = 1, Channels = 1, SampleRate = 16_000, BitsPerSample = 16 }));
        Assert.False(options.Reads(new AudioFormat(AudioKind.Wav) { FormatTag = 1, Channels = 1, SampleRate = 22_050, BitsPerSample = 16 }));
        Assert.False(options.Reads(new AudioFormat(AudioKind.Mp3)));
    }

    [Fact]
    public void A_blank_endpoint_is_no_endpoint()
    {
        Assert.False(Bind(("Conveyor:Transcription:Endpoint", "  ")).HasEndpoint);
    }

    [Theory]
    [InlineData("Conveyor:Transcription: set Command or Endpoint, not both.", "Command", "x {input}", "Endpoint", "http://h")]
    [InlineData("Conveyor:Transcription:Command must begin with the program to run.", "Command:0", " ", "Command:1", "{input}")]
    [InlineData("Conveyor:Transcription:Command must contain {input}, where the audio file's path goes.", "Command", "whisper-cli -f audio.wav", "Model", "m")]
    [InlineData("Conveyor:Transcription:Endpoint must be an absolute http or https URL.", "Endpoint", "ftp://host/", "Model", "m")]
    [InlineData("Conveyor:Transcription:Endpoint must be an absolute http or https URL.", "Endpoint", "/v1/audio", "Model", "m")]
    [InlineData("Conveyor:Transcription:Timeout must be positive.", "Timeout", "00:00:00", "Model", "m")]
    [InlineData("Conveyor:Transcription:Accepts: 'aac' is not one of wav, mp3, ogg, flac, m4a.", "Accepts:0", "aac", "Model", "m")]
    [InlineData("Conveyor:Transcription:Accepts: '1' is not one of wav, mp3, ogg, flac, m4a.", "Accepts:0", "1", "Model", "m")]
    public void A_bad_setting_fails_validation_naming_its_key(string message, string key1, string value1, string key2, string value2)
    {
        var options = Bind(("Conveyor:Transcription:" + key1, value1), ("Conveyor:Transcription:" + key2, value2));
        Assert.Equal([message], options.Validate());
    }

    [Fact]
    public void Https_endpoints_and_good_commands_pass()
    {
        Assert.Empty(Bind(("Conveyor:Transcription:Endpoint", "https://api.example.org/v1")).Validate());
        Assert.Empty(Bind(("Conveyor:Transcription:Command", "engine --in={input}")).Validate());
    }
}
