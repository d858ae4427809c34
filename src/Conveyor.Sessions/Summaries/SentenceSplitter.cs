using System.Text.RegularExpressions;

namespace Conveyor.Sessions.Summaries;

/// <summary>Splits prose into sentences: at <c>.</c>, <c>!</c> or <c>?</c> before whitespace, and at blank lines; not after an abbreviation or an initial.</summary>
internal static partial class SentenceSplitter
{
    private static readonly HashSet<string> Abbreviations = new(StringComparer.OrdinalIgnoreCase)
    {
        "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "e.g", "i.e", "fig", "no", "approx", "cf",
    };

    // A run of end punctuation, then any closing quotes or brackets.
    [GeneratedRegex(@"[.!?]+[""'”’)\]]*")]
    private static partial Regex End();

    [GeneratedRegex(@"\n[ \t]*\n")]
    private static partial Regex Paragraph();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    public static List<string> Split(string text)
    {
        var sentences = new List<string>();
        foreach (var paragraph in Paragraph().Split(text.Replace("\r\n", "\n")))
        {
            var prose = Whitespace().Replace(paragraph, " ").Trim();
            var start = 0;
            foreach (Match end in End().Matches(prose))
            {
                var after = end.Index + end.Length;
                if (after < prose.Length && prose[after] != ' ') continue;
                if (end.Value[0] == '.' && end.Length == 1 && IsAbbreviation(prose, end.Index)) continue;
                Add(sentences, prose[start..after]);
                start = after;
            }
            Add(sentences, prose[start..]);
        }
        return sentences;
    }

    private static void Add(List<string> sentences, string sentence)
    {
        sentence = sentence.Trim();
        if (sentence.Any(char.IsLetterOrDigit)) sentences.Add(sentence);
    }

    /// <summary>The word before the dot at <paramref name="dot"/> is an abbreviation or a single capital (an initial).</summary>
    private static bool IsAbbreviation(string prose, int dot)
    {
        var wordStart = dot == 0 ? 0 : prose.LastIndexOf(' ', dot - 1) + 1;
        var word = prose[wordStart..dot].TrimStart('(', '"', '\'', '“', '‘');
        return (word.Length == 1 && char.IsUpper(word[0])) || Abbreviations.Contains(word);
    }
}
