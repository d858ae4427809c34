using System.Text.RegularExpressions;

namespace Conveyor.Sessions.Summaries;

/// <summary>
/// Summarizes a transcript without a model, by TextRank (Mihalcea and Tarau, 2004): sentences are the nodes of a graph
/// whose edges weigh the content words two sentences share, PageRank over it ranks them, and the best-ranked
/// sentences are the summary (in their original order) and the key points (best first). The same text always gives
/// the same summary: ties go to the earlier sentence.
/// </summary>
public static partial class ExtractiveSummarizer
{
    public const string Method = "extractive";

    /// <summary>Key points listed at most.</summary>
    public const int MaxKeyPoints = 5;

    /// <summary>Sentences in the summary at most; it takes about one in five of the transcript's, at least three.</summary>
    public const int MaxSummarySentences = 10;

    private const double Damping = 0.85;
    private const double Tolerance = 1e-9;
    private const int MaxIterations = 200;

    [GeneratedRegex(@"[\p{L}\p{N}]+(?:['’][\p{L}]+)*")]
    private static partial Regex Word();

    /// <summary>Sentences ranked at most: the graph grows with their square, so a longer text is summarized from its start.</summary>
    public const int MaxRankedSentences = 5000;

    public static Summary Summarize(string text) => Summarize(text, MaxRankedSentences);

    internal static Summary Summarize(string text, int maxRankedSentences)
    {
        var sentences = SentenceSplitter.Split(text);
        if (sentences.Count > maxRankedSentences) sentences.RemoveRange(maxRankedSentences, sentences.Count - maxRankedSentences);
        if (sentences.Count == 0) return new Summary(Method, "", [], 0);

        var words = sentences.ConvertAll(ContentWords);
        var scores = Rank(words);
        var byRank = Enumerable.Range(0, sentences.Count).OrderByDescending(i => scores[i]).ThenBy(i => i).ToList();

        var length = Math.Min(sentences.Count, Math.Clamp((sentences.Count + 4) / 5, 3, MaxSummarySentences));
        var chosen = byRank.Take(length).Order().Select(i => sentences[i]);
        var summary = string.Join(" ", chosen);
        var keyPoints = byRank.Take(MaxKeyPoints).Select(i => sentences[i]).ToArray();
        return new Summary(Method, summary, keyPoints, Word().Count(summary));
    }

    /// <summary>PageRank over the sentence graph, iterated until no score moves more than the tolerance.</summary>
    internal static double[] Rank(List<HashSet<string>> words)
    {
        var n = words.Count;
        // Sentences that share no word have no edge: the graph is kept as lists of links, not an n × n matrix.
        var links = new List<(int From, double Weight)>[n];
        var outgoing = new double[n];
        for (var i = 0; i < n; i++) links[i] = [];
        for (var i = 0; i < n; i++)
        {
            for (var j = i + 1; j < n; j++)
            {
                var w = Similarity(words[i], words[j]);
                if (w == 0) continue;
                links[i].Add((j, w));
                links[j].Add((i, w));
                outgoing[i] += w;
                outgoing[j] += w;
            }
        }

        var scores = Enumerable.Repeat(1.0, n).ToArray();
        for (var iteration = 0; iteration < MaxIterations; iteration++)
        {
            var next = new double[n];
            var moved = 0.0;
            for (var i = 0; i < n; i++)
            {
                var sum = 0.0;
                foreach (var (from, weight) in links[i]) sum += weight / outgoing[from] * scores[from];
                next[i] = 1 - Damping + Damping * sum;
                moved = Math.Max(moved, Math.Abs(next[i] - scores[i]));
            }
            scores = next;
            if (moved < Tolerance) break;
        }
        return scores;
    }

    /// <summary>TextRank's overlap: shared words over the log of both lengths (plus one, so one-word sentences can link).</summary>
    internal static double Similarity(HashSet<string> a, HashSet<string> b)
    {
        var shared = a.Count(b.Contains);
        return shared == 0 ? 0 : shared / (Math.Log(1 + a.Count) + Math.Log(1 + b.Count));
    }

    /// <summary>A sentence's distinct words, lowercased, without stop words, plurals and possessives folded (<c>cells</c>, <c>cell's</c> = <c>cell</c>).</summary>
    internal static HashSet<string> ContentWords(string sentence)
    {
        var words = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match match in Word().Matches(sentence))
        {
            var word = match.Value.ToLowerInvariant().Replace('’', '\'');
            if (StopWords.Contains(word)) continue;
            if (word.EndsWith("'s", StringComparison.Ordinal)) word = word[..^2];
            else if (word.Length > 3 && word.EndsWith('s') && !word.EndsWith("ss", StringComparison.Ordinal)) word = word[..^1];
            words.Add(word);
        }
        return words;
    }

    /// <summary>English stop words (<c>stop-words.txt</c>, embedded): words that carry no topic.</summary>
    private static readonly HashSet<string> StopWords = LoadStopWords();

    private static HashSet<string> LoadStopWords()
    {
        using var stream = typeof(ExtractiveSummarizer).Assembly.GetManifestResourceStream("Conveyor.Sessions.Summaries.stop-words.txt")!;
        using var reader = new StreamReader(stream);
        var words = new HashSet<string>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            if (!line.StartsWith('#')) words.Add(line.Trim());
        }
        return words;
    }
}
