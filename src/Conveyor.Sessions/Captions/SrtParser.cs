using System.Text.RegularExpressions;

namespace Conveyor.Sessions.Captions;

/// <summary>
/// Reads SubRip (SRT): blocks separated by blank lines, each a sequence number, a timing line
/// (<c>00:00:01,000 --> 00:00:04,000</c>, a dot accepted for the comma) and the text. Formatting tags
/// (<c>&lt;i&gt;</c>, <c>&lt;font …&gt;</c>, <c>{\an8}</c>) are removed. A block without a valid timing line is
/// skipped and counted; a file with no valid block at all is not SRT.
/// </summary>
public static partial class SrtParser
{
    public const string NotSrt = "The file is not an SRT caption file: no block has a valid timing line.";

    [GeneratedRegex(@"^(\d{1,9}):(\d{2}):(\d{2})[,.](\d{3})[ \t]*-->[ \t]*(\d{1,9}):(\d{2}):(\d{2})[,.](\d{3})(?:[ \t].*)?$")]
    private static partial Regex TimingLine();

    [GeneratedRegex(@"<[^>]*>|\{\\[^}]*\}")]
    private static partial Regex Markup();

    [GeneratedRegex(@"\n[ \t]*\n")]
    private static partial Regex BlankLine();

    public static TranscriptResult Parse(string input)
    {
        if (input.StartsWith('\uFEFF')) input = input[1..];
        input = input.Replace("\r\n", "\n").Replace('\r', '\n');
        var builder = new TranscriptBuilder();
        long? duration = null;
        var cues = 0;
        var skipped = 0;
        foreach (var block in BlankLine().Split(input))
        {
            var lines = block.Split('\n').SkipWhile(l => l.Trim().Length == 0).ToArray();
            if (lines.Length == 0) continue;
            // The sequence number is optional in practice: some writers leave it out.
            var first = lines[0].Trim() is { Length: > 0 } number && number.All(char.IsAsciiDigit) ? 1 : 0;
            var timing = first < lines.Length ? Timing(lines[first].Trim()) : null;
            if (timing is null)
            {
                skipped++;
                continue;
            }
            cues++;
            var (start, end) = timing.Value;
            duration = Math.Max(duration ?? 0, end);
            builder.Add(start, end, null, Markup().Replace(string.Join('\n', lines[(first + 1)..]), ""));
        }
        return cues == 0
            ? TranscriptResult.Failure(NotSrt)
            : TranscriptResult.Success(builder.Build(TranscriptFormats.Srt, null, duration, " "), skipped);
    }

    /// <summary>The start and end of an SRT timing line in milliseconds; null when it is not one.</summary>
    internal static (long Start, long End)? Timing(string line)
    {
        var match = TimingLine().Match(line);
        if (!match.Success) return null;
        var g = match.Groups;
        return Milliseconds(g[1].Value, g[2].Value, g[3].Value, g[4].Value) is { } start
               && Milliseconds(g[5].Value, g[6].Value, g[7].Value, g[8].Value) is { } end
            ? (start, end)
            : null;
    }

    private static long? Milliseconds(string hours, string minutes, string seconds, string millis)
    {
        var m = int.Parse(minutes);
        var s = int.Parse(seconds);
        if (m > 59 || s > 59) return null;
        return ((long.Parse(hours) * 60 + m) * 60 + s) * 1000 + int.Parse(millis);
    }
}
