using System.Text;
using Conveyor.Sessions.Captions;

namespace Conveyor.Sessions;

/// <summary>
/// Turns an uploaded caption file or text transcript into a <see cref="Transcript"/>: WebVTT when it begins with
/// the WEBVTT signature or is named <c>.vtt</c>, SRT when it is named <c>.srt</c> or its first block is a numbered
/// SRT cue, plain text otherwise. Binary content is refused. Audio is not read here (see <c>AudioSniffer</c>).
/// </summary>
public static class TranscriptReader
{
    public const string NotText = "The file is not a caption file (WebVTT or SRT) or a text transcript.";

    public static TranscriptResult Read(ReadOnlySpan<byte> content, string? fileName)
    {
        if (IsBinary(content)) return TranscriptResult.Failure(NotText);
        return Read(Encoding.UTF8.GetString(content), fileName);
    }

    /// <summary>Reads text already decoded (an inline transcript, an engine's output).</summary>
    public static TranscriptResult Read(string text, string? fileName)
    {
        var extension = Path.GetExtension(fileName)?.ToLowerInvariant();
        var body = text.StartsWith('\uFEFF') ? text[1..] : text;
        if (body.StartsWith("WEBVTT", StringComparison.Ordinal) || extension == ".vtt") return WebVttParser.Parse(text);
        if (extension == ".srt" || LooksLikeSrt(body)) return SrtParser.Parse(text);
        return TranscriptResult.Success(PlainTextParser.Parse(text), 0);
    }

    /// <summary>The first non-blank line is a sequence number and the next a timing line.</summary>
    private static bool LooksLikeSrt(string text)
    {
        var lines = text.Replace("\r\n", "\n").TrimStart('\n', ' ', '\t').Split('\n', 3);
        return lines.Length >= 2
               && lines[0].Trim() is { Length: > 0 } number && number.All(char.IsAsciiDigit)
               && SrtParser.Timing(lines[1].Trim()) is not null;
    }

    /// <summary>NUL or another control character than tab, line feed, form feed or carriage return: not text.</summary>
    private static bool IsBinary(ReadOnlySpan<byte> content)
    {
        foreach (var b in content)
        {
            if (b < 0x20 && b is not ((byte)'\t' or (byte)'\n' or (byte)'\f' or (byte)'\r')) return true;
        }
        return false;
    }
}
