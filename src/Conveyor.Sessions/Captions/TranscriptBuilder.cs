using System.Text.RegularExpressions;

namespace Conveyor.Sessions.Captions;

/// <summary>Collects segments in order, with whitespace collapsed, empty ones dropped and indexes from 0.</summary>
internal sealed partial class TranscriptBuilder
{
    private readonly List<TranscriptSegment> _segments = [];

    [GeneratedRegex("[ \t\n\r\f]+")]
    private static partial Regex AsciiWhitespace();

    /// <summary>Runs of ASCII whitespace (line breaks included) become one space; the ends are trimmed. A no-break space stays.</summary>
    public static string Collapse(string text) => AsciiWhitespace().Replace(text, " ").Trim(' ');

    public int Count => _segments.Count;

    public void Add(long? startMs, long? endMs, string? speaker, string text)
    {
        var collapsed = Collapse(text);
        if (collapsed.Length == 0) return;
        _segments.Add(new TranscriptSegment(_segments.Count, Seconds(startMs), Seconds(endMs), speaker, collapsed));
    }

    public Transcript Build(string format, string? language, long? durationMs, string separator) =>
        new(format, language, Seconds(durationMs), string.Join(separator, _segments.Select(s => s.Text)), _segments.ToArray());

    /// <summary>Milliseconds as seconds: the double nearest the decimal, so 4.003 serialises as 4.003.</summary>
    internal static double? Seconds(long? milliseconds) => milliseconds is { } ms ? ms / 1000.0 : null;
}
