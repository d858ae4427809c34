using Conveyor.Sessions.Summaries;

namespace Conveyor.Sessions.Tests.Summaries;

public sealed class SentenceSplitterTests
{
    [Theory]
    [InlineData("One. Two! Three? Four", new[] { "One.", "Two!", "Three?", "Four" })]
    [InlineData("Really?! Yes... fine.", new[] { "Really?!", "Yes...", "fine." })]
    [InlineData("Dr. Smith met Mr. Jones. Then they left.", new[] { "Dr. Smith met Mr. Jones.", "Then they left." })]
    [InlineData("Use salts, e.g. NaCl, i.e. table salt. Next.", new[] { "Use salts, e.g. NaCl, i.e. table salt.", "Next." })]
    [InlineData("J. R. Tolkien wrote it. See fig. 3 now.", new[] { "J. R. Tolkien wrote it.", "See fig. 3 now." })]
    [InlineData("It weighs 3.5 grams. Version 2.0.1 shipped.", new[] { "It weighs 3.5 grams.", "Version 2.0.1 shipped." })]
    [InlineData("He said \"Stop.\" Then he ran.", new[] { "He said \"Stop.\"", "Then he ran." })]
    [InlineData("(See above.) Good.", new[] { "(See above.)", "Good." })]
    [InlineData("a. b", new[] { "a.", "b" })]
    [InlineData(". Leading dot. Ok", new[] { "Leading dot.", "Ok" })]
    [InlineData("no end", new[] { "no end" })]
    [InlineData("Etc. is last etc. Done.", new[] { "Etc. is last etc. Done." })]
    public void Splits_at_end_punctuation_but_not_after_abbreviations_initials_or_inside_numbers(string text, string[] expected)
    {
        Assert.Equal(expected, SentenceSplitter.Split(text));
    }

    [Fact]
    public void Line_breaks_inside_a_paragraph_are_spaces_and_blank_lines_end_a_sentence()
    {
        Assert.Equal(
            ["The cell\nwall is rigid.".Replace("\n", " "), "Heading without a dot", "Next paragraph."],
            SentenceSplitter.Split("The cell\nwall is rigid.\r\n\r\nHeading without a dot\n \nNext\tparagraph."));
    }

    [Fact]
    public void Pieces_without_a_letter_or_digit_are_not_sentences()
    {
        Assert.Equal(["Words."], SentenceSplitter.Split("... Words. !!! — ?"));
    }

    [Theory]
    [InlineData("Mr")]
    [InlineData("Mrs")]
    [InlineData("Ms")]
    [InlineData("Dr")]
    [InlineData("Prof")]
    [InlineData("Sr")]
    [InlineData("Jr")]
    [InlineData("St")]
    [InlineData("vs")]
    [InlineData("etc")]
    [InlineData("e.g")]
    [InlineData("i.e")]
    [InlineData("fig")]
    [InlineData("No")]
    [InlineData("approx")]
    [InlineData("cf")]
    public void No_sentence_ends_after_an_abbreviation(string abbreviation)
    {
        Assert.Equal([$"Ask {abbreviation}. Smith now.", "Next."], SentenceSplitter.Split($"Ask {abbreviation}. Smith now. Next."));
        Assert.Equal([$"Ask ({abbreviation}. Smith) now.", "Next."], SentenceSplitter.Split($"Ask ({abbreviation}. Smith) now. Next."));
    }

    [Fact]
    public void A_lowercase_single_letter_or_a_longer_word_before_a_dot_ends_the_sentence()
    {
        Assert.Equal(["Plan a.", "Then b."], SentenceSplitter.Split("Plan a. Then b."));
        Assert.Equal(["Plan AB.", "Then b."], SentenceSplitter.Split("Plan AB. Then b."));
    }

    [Fact]
    public void An_exclamation_or_question_mark_ends_a_sentence_even_after_an_abbreviation_or_a_capital()
    {
        Assert.Equal(["I said no!", "He left."], SentenceSplitter.Split("I said no! He left."));
        Assert.Equal(["Plan A?", "Yes."], SentenceSplitter.Split("Plan A? Yes."));
    }
}
