using System.Net;
using System.Text;

namespace Conveyor.Sessions.Captions;

/// <summary>
/// The W3C WebVTT cue text tokenizer and the part of its DOM construction a transcript needs: which text is spoken,
/// and by which voice. Tags are markup, not text; ruby text (<c>&lt;rt&gt;</c>) is a reading aid and is left out;
/// timestamp tags are dropped; character references are decoded.
/// </summary>
internal static class WebVttCueText
{
    /// <summary>A stretch of a cue's text spoken by one voice (null: no voice span).</summary>
    public readonly record struct Run(string? Speaker, string Text);

    private enum Kind { Text, StartTag, EndTag }

    private readonly record struct Token(Kind Kind, string Value, string Annotation = "");

    private readonly record struct Open(string Name, string Annotation);

    /// <summary>The cue's text split where the voice changes, in order; runs of only whitespace join the run before.</summary>
    public static List<Run> Runs(string cueText)
    {
        var runs = new List<(string? Speaker, StringBuilder Text)>();
        var open = new List<Open>();
        var position = 0;
        while (Next(cueText, ref position) is { } token)
        {
            switch (token.Kind)
            {
                case Kind.Text:
                    if (open.Exists(o => o.Name == "rt")) break;
                    var text = WebUtility.HtmlDecode(token.Value);
                    var speaker = Speaker(open);
                    if (runs.Count > 0 && (runs[^1].Speaker == speaker || string.IsNullOrWhiteSpace(text))) runs[^1].Text.Append(text);
                    else if (!string.IsNullOrWhiteSpace(text)) runs.Add((speaker, new StringBuilder(text)));
                    break;
                case Kind.StartTag:
                    if (token.Value is "c" or "i" or "b" or "u" or "v" or "lang" or "ruby"
                        || (token.Value == "rt" && open.Count > 0 && open[^1].Name == "ruby"))
                        open.Add(new Open(token.Value, token.Annotation));
                    break;
                case Kind.EndTag:
                    if (open.Count > 0 && open[^1].Name == token.Value) open.RemoveAt(open.Count - 1);
                    // An rt is only ever open inside a ruby, so the ruby is the one below it.
                    else if (token.Value == "ruby" && open.Count > 0 && open[^1].Name == "rt") open.RemoveRange(open.Count - 2, 2);
                    break;
            }
        }
        return runs.ConvertAll(r => new Run(r.Speaker, r.Text.ToString()));
    }

    private static string? Speaker(List<Open> open)
    {
        for (var i = open.Count - 1; i >= 0; i--)
        {
            if (open[i].Name == "v") return open[i].Annotation.Length > 0 ? open[i].Annotation : null;
        }
        return null;
    }

    /// <summary>The cue text tokenizer: the next token from <paramref name="position"/>, or null at the end.</summary>
    private static Token? Next(string input, ref int position)
    {
        if (position >= input.Length) return null;
        if (input[position] != '<')
        {
            var end = input.IndexOf('<', position);
            if (end < 0) end = input.Length;
            var text = input[position..end];
            position = end;
            return new Token(Kind.Text, text);
        }
        position++;
        if (position >= input.Length) return null;
        var c = input[position];
        if (c == '/')
        {
            position++;
            return new Token(Kind.EndTag, Until(input, ref position, '>'));
        }
        // The tag name runs to a class dot, whitespace or the end of the tag; classes run to whitespace or the end;
        // the annotation (a voice's name) runs to '>'. A timestamp tag (<00:00:01.000>) reads as a start tag no one
        // knows, which is dropped just the same.
        var nameStart = position;
        while (position < input.Length && input[position] is not ('.' or '>' or ' ' or '\t' or '\n' or '\f')) position++;
        var name = input[nameStart..position];
        while (position < input.Length && input[position] is not ('>' or ' ' or '\t' or '\n' or '\f')) position++;
        var annotation = Until(input, ref position, '>');
        return new Token(Kind.StartTag, name, TranscriptBuilder.Collapse(WebUtility.HtmlDecode(annotation)));
    }

    /// <summary>The characters up to <paramref name="stop"/> (or the end), moving past the stop character.</summary>
    private static string Until(string input, ref int position, char stop)
    {
        var end = input.IndexOf(stop, position);
        if (end < 0) end = input.Length;
        var value = input[position..end];
        position = Math.Min(end + 1, input.Length);
        return value;
    }
}
