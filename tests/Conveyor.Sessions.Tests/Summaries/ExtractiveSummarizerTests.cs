using Conveyor.Sessions.Summaries;

namespace Conveyor.Sessions.Tests.Summaries;

public sealed class ExtractiveSummarizerTests
{
    private const string Lecture =
        "Mitochondria produce the energy a cell needs. " +
        "The parking lot closes at nine tonight. " +
        "Energy in the cell comes from mitochondria breaking down glucose. " +
        "Glucose is broken down by mitochondria in several steps. " +
        "Each cell can hold hundreds of mitochondria. " +
        "Remember to bring your lab coats on Thursday.";

    [Fact]
    public void Empty_or_wordless_text_gives_an_empty_summary()
    {
        foreach (var text in new[] { "", "   \n\n ", "... !!! ???" })
        {
            var summary = ExtractiveSummarizer.Summarize(text);
            Assert.Equal(("extractive", "", 0, 0), (summary.Method, summary.Text, summary.KeyPoints.Count, summary.WordCount));
        }
    }

    [Fact]
    public void The_best_connected_sentences_are_the_summary_in_their_original_order()
    {
        var summary = ExtractiveSummarizer.Summarize(Lecture);
        Assert.Equal("extractive", summary.Method);
        Assert.Equal(
            "Mitochondria produce the energy a cell needs. Energy in the cell comes from mitochondria breaking down glucose. " +
            "Each cell can hold hundreds of mitochondria.",
            summary.Text);
        Assert.Equal(24, summary.WordCount);
    }

    [Fact]
    public void Key_points_are_the_best_ranked_sentences_best_first_and_off_topic_ones_last()
    {
        var summary = ExtractiveSummarizer.Summarize(Lecture);
        Assert.Equal(
        [
            "Energy in the cell comes from mitochondria breaking down glucose.",
            "Mitochondria produce the energy a cell needs.",
            "Each cell can hold hundreds of mitochondria.",
            "Glucose is broken down by mitochondria in several steps.",
            // Off-topic sentences link to nothing; of the two, the earlier one is listed.
            "The parking lot closes at nine tonight.",
        ], summary.KeyPoints);
    }

    [Fact]
    public void The_same_transcript_always_gives_the_same_summary()
    {
        var first = ExtractiveSummarizer.Summarize(Lecture);
        for (var i = 0; i < 5; i++)
        {
            var again = ExtractiveSummarizer.Summarize(Lecture);
            Assert.Equal(first.Text, again.Text);
            Assert.Equal(first.KeyPoints, again.KeyPoints);
            Assert.Equal(first.WordCount, again.WordCount);
        }
    }

    [Fact]
    public void Sentences_that_rank_the_same_keep_their_order()
    {
        var summary = ExtractiveSummarizer.Summarize("Alpha one. Bravo two. Charlie three. Delta four.");
        Assert.Equal(["Alpha one.", "Bravo two.", "Charlie three.", "Delta four."], summary.KeyPoints);
        Assert.Equal("Alpha one. Bravo two. Charlie three.", summary.Text);
        Assert.Equal(6, summary.WordCount);
    }

    [Fact]
    public void A_short_transcript_is_its_own_summary()
    {
        Assert.Equal("Only one sentence here.", ExtractiveSummarizer.Summarize("Only one sentence here.").Text);
        Assert.Equal("First. Second!", ExtractiveSummarizer.Summarize("First.   Second!").Text);
        Assert.Equal(["Just words without an ending"], ExtractiveSummarizer.Summarize("Just words without an ending").KeyPoints);
    }

    [Theory]
    [InlineData(3, 3)]
    [InlineData(7, 3)]
    [InlineData(15, 3)]
    [InlineData(16, 4)]
    [InlineData(20, 4)]
    [InlineData(21, 5)]
    [InlineData(50, 10)]
    [InlineData(120, 10)]
    public void The_summary_takes_about_one_sentence_in_five_between_three_and_ten(int sentences, int expected)
    {
        var text = string.Join(" ", Enumerable.Range(0, sentences).Select(i => $"Sentence number{i} mentions topic{i % 4}."));
        var summary = ExtractiveSummarizer.Summarize(text);
        Assert.Equal(expected, summary.Text.Split(". ").Length);
        Assert.Equal(Math.Min(5, sentences), summary.KeyPoints.Count);
    }

    [Fact]
    public void Word_count_counts_the_words_of_the_summary_text()
    {
        var summary = ExtractiveSummarizer.Summarize("Don't stop — it's 3.5 grams, e.g. of NaCl.");
        Assert.Equal("Don't stop — it's 3.5 grams, e.g. of NaCl.", summary.Text);
        Assert.Equal(10, summary.WordCount);
    }

    [Fact]
    public void Similarity_is_shared_words_over_the_logs_of_the_lengths()
    {
        var a = new HashSet<string> { "cell", "energy" };
        var b = new HashSet<string> { "energy", "glucose", "step" };
        Assert.Equal(1 / (Math.Log(3) + Math.Log(4)), ExtractiveSummarizer.Similarity(a, b), 12);
        Assert.Equal(2 / (Math.Log(3) + Math.Log(3)), ExtractiveSummarizer.Similarity(a, a), 12);
        Assert.Equal(0, ExtractiveSummarizer.Similarity(a, []));
        Assert.Equal(0, ExtractiveSummarizer.Similarity([], a));
        Assert.Equal(0, ExtractiveSummarizer.Similarity(a, ["other"]));
    }

    [Fact]
    public void Rank_gives_the_hub_of_a_star_the_top_score_and_an_isolated_sentence_the_floor()
    {
        var scores = ExtractiveSummarizer.Rank(
        [
            ["a", "b", "c"],
            ["a"],
            ["b"],
            ["c"],
            ["z"],
        ]);
        Assert.True(scores[0] > scores[1]);
        Assert.Equal(scores[1], scores[2], 9);
        Assert.Equal(scores[2], scores[3], 9);
        Assert.Equal(0.15, scores[4], 9);
        // PageRank keeps the total: every linked node's score is spread over its links.
        Assert.Equal(4.0, scores[0] + scores[1] + scores[2] + scores[3], 6);
        // The converged fixed point: hub h, leaves l with h = 0.15 + 0.85 * 3l and l = 0.15 + 0.85 * h / 3.
        var leaf = (0.15 + 0.85 * 0.15 / 3) / (1 - 0.85 * 0.85);
        Assert.Equal(leaf, scores[1], 6);
    }

    [Fact]
    public void Content_words_are_lowercased_without_stop_words_with_plurals_folded()
    {
        Assert.Equal(
            new HashSet<string> { "cell", "glass", "bus", "mitochondria", "3", "5" },
            ExtractiveSummarizer.ContentWords("The Cells and the glass, the BUS — mitochondria don’t 3.5; they are"));
        Assert.Equal(new HashSet<string> { "teacher", "cell", "bass" }, ExtractiveSummarizer.ContentWords("teacher’s cells' cell's bass"));
    }

    [Fact]
    public void Past_the_ranking_limit_only_the_first_sentences_are_summarized()
    {
        var text = "Cells divide. Cells grow. Cells die. Stars shine brightly. Stars shine often. Stars shine.";
        var summary = ExtractiveSummarizer.Summarize(text, maxRankedSentences: 3);
        Assert.Equal("Cells divide. Cells grow. Cells die.", summary.Text);
        Assert.Equal(["Cells divide.", "Cells grow.", "Cells die."], summary.KeyPoints);
        Assert.Equal(5000, ExtractiveSummarizer.MaxRankedSentences);
    }

    [Fact]
    public void Sentences_of_stop_words_only_rank_as_unlinked_not_as_nothing()
    {
        // Two sentences with no content word share nothing (not 0/0): all three rank alike and keep their order.
        var summary = ExtractiveSummarizer.Summarize("It is. It was. Cells divide.");
        Assert.Equal(["It is.", "It was.", "Cells divide."], summary.KeyPoints);
        Assert.Equal(0, ExtractiveSummarizer.Similarity([], []));
    }
}
