using System.Text.RegularExpressions;

namespace Conveyor.Sessions.Captions;

/// <summary>Reads a plain-text transcript: one untimed segment per paragraph (paragraphs are separated by blank lines).</summary>
public static partial class PlainTextParser
{
    [GeneratedRegex(@"\n[ \t\f]*\n")]
    private static partial Regex BlankLine();

    public static Transcript Parse(string input)
    {
        if (input.StartsWith('\uFEFF')) input = input[1..];
        input = input.Replace("\r\n", "\n").Replace('\r', '\n');
        var builder = new TranscriptBuilder();
        foreach (var paragraph in BlankLine().Split(input)) builder.Add(null, null, null, paragraph);
        return builder.Build(TranscriptFormats.Text, null, null, "\n\n");
    }
}
