using Conveyor.Sessions.Audio;
using Microsoft.Extensions.Configuration;

namespace Conveyor.Sessions.Transcription;

/// <summary>The audio transcription engine (<c>Conveyor:Transcription</c>): a command or an OpenAI-compatible endpoint.</summary>
public sealed class TranscriptionOptions
{
    public const string Section = "Conveyor:Transcription";

    /// <summary>
    /// The engine's command as an argument list (<c>Conveyor__Transcription__Command__0</c>, <c>__1</c>…) or one line split at
    /// spaces, with quotes grouping (<c>Conveyor__Transcription__Command</c>). <c>{input}</c> is the audio file's path;
    /// <c>{output}</c>, when present, a path the engine writes its transcript to (with or without an extension such as
    /// <c>.vtt</c>), else its standard output is the transcript. Run without a shell.
    /// </summary>
    public string[] Command { get; set; } = [];

    /// <summary>An OpenAI-compatible server's base URL (<c>http://host:8080</c>, or one ending in <c>/v1</c>).</summary>
    public string? Endpoint { get; set; }

    /// <summary>Sent as <c>Authorization: Bearer</c> to the endpoint; never logged.</summary>
    public string? ApiKey { get; set; }

    /// <summary>The endpoint's <c>model</c> field.</summary>
    public string Model { get; set; } = "whisper-1";

    /// <summary>How long one transcription (and each conversion) may take.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// Formats the command reads as they are (<c>wav</c>, <c>mp3</c>, <c>ogg</c>, <c>flac</c>, <c>m4a</c>). Anything else,
    /// and by default everything but 16 kHz mono 16-bit WAV, is converted to that first.
    /// </summary>
    public string[] Accepts { get; set; } = [];

    public bool HasCommand => Command.Length > 0;

    public bool HasEndpoint => !string.IsNullOrWhiteSpace(Endpoint);

    /// <summary>Binds the section; a one-line <c>Command</c> is split into its arguments.</summary>
    public static TranscriptionOptions Bind(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var options = new TranscriptionOptions();
        section.Bind(options);
        if (section["Command"] is { } line && !string.IsNullOrWhiteSpace(line)) options.Command = CommandLine.Split(line);
        return options;
    }

    public IEnumerable<string> Validate()
    {
        if (HasCommand && HasEndpoint) yield return $"{Section}: set Command or Endpoint, not both.";
        if (HasCommand && string.IsNullOrWhiteSpace(Command[0])) yield return $"{Section}:Command must begin with the program to run.";
        if (HasCommand && !Command.Any(a => a.Contains("{input}", StringComparison.Ordinal)))
            yield return $"{Section}:Command must contain {{input}}, where the audio file's path goes.";
        if (HasEndpoint && !(Uri.TryCreate(Endpoint, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)))
            yield return $"{Section}:Endpoint must be an absolute http or https URL.";
        if (Timeout <= TimeSpan.Zero) yield return $"{Section}:Timeout must be positive.";
        foreach (var format in Accepts)
        {
            if (!Enum.GetNames<AudioKind>().Any(name => string.Equals(name, format, StringComparison.OrdinalIgnoreCase)))
                yield return $"{Section}:Accepts: '{format}' is not one of wav, mp3, ogg, flac, m4a.";
        }
    }

    /// <summary>The command reads this audio as it is, without conversion.</summary>
    public bool Reads(AudioFormat format) =>
        format.IsSpeechWav || Accepts.Any(a => string.Equals(a, format.Name, StringComparison.OrdinalIgnoreCase));
}
