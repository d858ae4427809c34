using System.Text;

namespace Conveyor.Sessions.Captions;

/// <summary>
/// Reads WebVTT by the W3C WebVTT parser algorithm (w3.org/TR/webvtt1, "WebVTT file parsing") into a transcript:
/// the signature line (after an optional BOM), the header, then blocks: cues (an optional identifier, a timing line
/// whose settings are ignored, the cue text), <c>NOTE</c>, <c>STYLE</c> and <c>REGION</c> blocks (skipped), and
/// malformed blocks (skipped and counted). A file without the signature is not WebVTT and fails.
/// </summary>
public static class WebVttParser
{
    public const string NotWebVtt = "The file is not a WebVTT caption file: its first line must be WEBVTT.";

    private enum BlockKind { Cue, Comment, Malformed, Header }

    private readonly record struct Block(BlockKind Kind, long Start = 0, long End = 0, string Text = "", string Header = "");

    public static TranscriptResult Parse(string input)
    {
        input = Normalize(input);
        if (!HasSignature(input)) return TranscriptResult.Failure(NotWebVtt);

        var position = 0;
        CollectLine(input, ref position);
        var builder = new TranscriptBuilder();
        string? language = null;
        long? duration = null;
        var skipped = 0;
        // The header runs from the line after the signature to the first blank line (or a timing line).
        if (position < input.Length && input[position] != '\n')
            language = Language(CollectBlock(input, ref position, inHeader: true, seenCue: false).Header);
        SkipLineFeeds(input, ref position);

        var seenCue = false;
        while (position < input.Length)
        {
            var block = CollectBlock(input, ref position, inHeader: false, seenCue);
            switch (block.Kind)
            {
                case BlockKind.Cue:
                    seenCue = true;
                    duration = Math.Max(duration ?? 0, block.End);
                    foreach (var run in WebVttCueText.Runs(block.Text)) builder.Add(block.Start, block.End, run.Speaker, run.Text);
                    break;
                case BlockKind.Malformed:
                    skipped++;
                    break;
            }
            SkipLineFeeds(input, ref position);
        }
        return TranscriptResult.Success(builder.Build(TranscriptFormats.WebVtt, language, duration, " "), skipped);
    }

    /// <summary>The input with its BOM removed, NUL replaced and every line ending a line feed, as the parser expects.</summary>
    private static string Normalize(string input)
    {
        if (input.StartsWith('\uFEFF')) input = input[1..];
        return input.Replace('\0', '\uFFFD').Replace("\r\n", "\n").Replace('\r', '\n');
    }

    /// <summary>WEBVTT alone, or followed by a space, tab or line break and anything.</summary>
    internal static bool HasSignature(string normalized) =>
        normalized.StartsWith("WEBVTT", StringComparison.Ordinal)
        && (normalized.Length == 6 || normalized[6] is ' ' or '\t' or '\n');

    /// <summary>The W3C "collect a WebVTT block" steps, keeping what a transcript needs.</summary>
    private static Block CollectBlock(string input, ref int position, bool inHeader, bool seenCue)
    {
        var lineCount = 0;
        var previous = position;
        var buffer = new StringBuilder();
        var seenArrow = false;
        (long Start, long End)? cue = null;
        var malformedTiming = false;
        while (true)
        {
            // At the end of the input a line comes back empty, which ends the block as a blank line does.
            var line = CollectLine(input, ref position);
            lineCount++;
            if (line.Contains("-->", StringComparison.Ordinal))
            {
                if (!inHeader && (lineCount == 1 || (lineCount == 2 && !seenArrow)))
                {
                    seenArrow = true;
                    previous = position;
                    cue = WebVttTimestamp.Timings(line);
                    if (cue is null) malformedTiming = true;
                    else buffer.Clear();
                }
                else
                {
                    // A second timing line starts the next block.
                    position = previous;
                    break;
                }
            }
            else if (line.Length == 0)
            {
                break;
            }
            else
            {
                if (buffer.Length > 0) buffer.Append('\n');
                buffer.Append(line);
                previous = position;
            }
        }

        var text = buffer.ToString();
        if (inHeader) return new Block(BlockKind.Header, Header: text);
        if (cue is { } timings) return new Block(BlockKind.Cue, timings.Start, timings.End, text);
        // STYLE and REGION blocks are only such before the first cue; after it they are stray text. NOTE is anywhere.
        if (!malformedTiming && (Starts(text, "NOTE") || (!seenCue && (Starts(text, "STYLE") || Starts(text, "REGION")))))
            return new Block(BlockKind.Comment);
        return new Block(BlockKind.Malformed);
    }

    /// <summary>The block begins with <paramref name="word"/> followed by a space, tab, line break or nothing.</summary>
    private static bool Starts(string block, string word) =>
        block.StartsWith(word, StringComparison.Ordinal) && (block.Length == word.Length || block[word.Length] is ' ' or '\t' or '\n');

    private static string CollectLine(string input, ref int position)
    {
        var end = input.IndexOf('\n', position);
        if (end < 0)
        {
            var rest = input[position..];
            position = input.Length;
            return rest;
        }
        var line = input[position..end];
        position = end + 1;
        return line;
    }

    private static void SkipLineFeeds(string input, ref int position)
    {
        while (position < input.Length && input[position] == '\n') position++;
    }

    /// <summary>A <c>Language: xx</c> line in the header, as many caption tools write one (not part of the W3C format).</summary>
    private static string? Language(string header)
    {
        foreach (var line in header.Split('\n'))
        {
            var parts = line.Split(':', 2);
            if (parts.Length == 2 && parts[0].Trim().Equals("Language", StringComparison.OrdinalIgnoreCase) && parts[1].Trim() is { Length: > 0 } value)
                return value;
        }
        return null;
    }
}
