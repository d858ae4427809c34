using Conveyor.Sessions.Captions;

namespace Conveyor.Sessions.Tests.Captions;

public sealed class SrtParserTests
{
    private static Transcript Ok(string text, int skipped = 0)
    {
        var result = SrtParser.Parse(text);
        Assert.Null(result.Error);
        Assert.Equal(skipped, result.SkippedBlocks);
        return Assert.IsType<Transcript>(result.Transcript);
    }

    private static void Segments(Transcript transcript, params (double? Start, double? End, string Text)[] expected)
    {
        Assert.Equal(expected, transcript.Segments.Select(s => (s.StartSeconds, s.EndSeconds, s.Text)).ToArray());
        Assert.Equal(Enumerable.Range(0, expected.Length), transcript.Segments.Select(s => s.Index));
        Assert.All(transcript.Segments, s => Assert.Null(s.Speaker));
    }

    [Fact]
    public void Numbered_blocks_with_comma_milliseconds_give_exact_times()
    {
        var t = Ok("1\n00:00:00,000 --> 00:00:04,000\nWelcome to week one.\n\n2\n00:00:04,250 --> 00:00:09,003\nToday:\ncells.\n");
        Assert.Equal(TranscriptFormats.Srt, t.Format);
        Assert.Null(t.Language);
        Assert.Equal(9.003, t.DurationSeconds);
        Assert.Equal("Welcome to week one. Today: cells.", t.Text);
        Segments(t, (0.0, 4.0, "Welcome to week one."), (4.25, 9.003, "Today: cells."));
    }

    [Fact]
    public void Hours_minutes_and_seconds_all_count()
    {
        Segments(Ok("1\n01:02:03,004 --> 10:00:00,999\nx\n"), (3723.004, 36000.999, "x"));
    }

    [Fact]
    public void A_dot_for_the_comma_crlf_endings_a_bom_and_coordinates_are_accepted()
    {
        var t = Ok("\uFEFF1\r\n00:00:01.500 --> 00:00:02.000 X1:10 X2:20 Y1:5 Y2:9\r\nDot\r\n\r\n2\r\n00:00:02,000\t-->\t00:00:03,000\tX1:1\r\nTab\r\n\r\n3\r00:00:03,000 --> 00:00:04,000\rCR\r");
        Segments(t, (1.5, 2.0, "Dot"), (2.0, 3.0, "Tab"), (3.0, 4.0, "CR"));
    }

    [Fact]
    public void Formatting_tags_and_positioning_codes_are_removed()
    {
        var t = Ok("1\n00:00:00,000 --> 00:00:01,000\n{\\an8}<i>Hello</i> <font color=\"#ff0000\">red</font> <b>world</b>\n");
        Segments(t, (0.0, 1.0, "Hello red world"));
    }

    [Fact]
    public void A_block_without_its_number_is_still_a_cue()
    {
        Segments(Ok("00:00:00,000 --> 00:00:01,000\nNo number\n"), (0.0, 1.0, "No number"));
    }

    [Theory]
    [InlineData("00:00:00,000 -> 00:00:01,000")]
    [InlineData("00:00:00 --> 00:00:01")]
    [InlineData("00:00,000 --> 00:01,000")]
    [InlineData("00:60:00,000 --> 00:61:00,000")]
    [InlineData("00:00:60,000 --> 00:01:00,000")]
    [InlineData("00:00:00,000 --> 00:00:60,000")]
    [InlineData("00:00:00,000 --> 00:60:00,000")]
    [InlineData("00:00:00,00 --> 00:00:01,000")]
    [InlineData("00:00:00,000 --> 00:00:01,0000")]
    [InlineData("0:0:00,000 --> 0:0:01,000")]
    [InlineData("00:00:00,000 --> 00:00:01,000x")]
    [InlineData("x00:00:00,000 --> 00:00:01,000")]
    [InlineData("just text")]
    public void A_block_with_a_bad_timing_line_is_skipped_and_counted(string timing)
    {
        var t = Ok($"1\n00:00:00,000 --> 00:00:01,000\nBefore\n\n2\n{timing}\nLost\n\n3\n00:00:02,000 --> 00:00:03,000\nAfter\n", skipped: 1);
        Segments(t, (0.0, 1.0, "Before"), (2.0, 3.0, "After"));
    }

    [Fact]
    public void A_number_alone_or_text_alone_is_a_bad_block()
    {
        var t = Ok("1\n00:00:00,000 --> 00:00:01,000\nA\n\n2\n\nstray line\n\n3\n00:00:01,000 --> 00:00:02,000\nB\n", skipped: 2);
        Segments(t, (0.0, 1.0, "A"), (1.0, 2.0, "B"));
    }

    [Fact]
    public void Blank_lines_with_spaces_separate_blocks_and_extra_blank_lines_are_not_blocks()
    {
        var t = Ok("\n\n1\n00:00:00,000 --> 00:00:01,000\nA\n \t\n\n\n2\n00:00:01,000 --> 00:00:02,000\nB\n\n\n");
        Segments(t, (0.0, 1.0, "A"), (1.0, 2.0, "B"));
    }

    [Fact]
    public void A_cue_with_no_text_gives_no_segment_but_counts_toward_the_duration()
    {
        var t = Ok("1\n00:00:00,000 --> 00:00:01,000\nA\n\n2\n00:00:01,000 --> 00:00:08,000\n\n3\n00:00:02,000 --> 00:00:03,000\n<i></i>\n");
        Segments(t, (0.0, 1.0, "A"));
        Assert.Equal(8.0, t.DurationSeconds);
    }

    [Fact]
    public void The_duration_is_the_latest_end_whatever_the_order()
    {
        Assert.Equal(9.0, Ok("1\n00:00:05,000 --> 00:00:09,000\nA\n\n2\n00:00:01,000 --> 00:00:02,000\nB\n").DurationSeconds);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n")]
    [InlineData("hello there\n\nthis is prose")]
    [InlineData("1\n2\n3\n")]
    public void A_file_with_no_valid_block_is_not_SRT(string text)
    {
        var result = SrtParser.Parse(text);
        Assert.Null(result.Transcript);
        Assert.Equal("The file is not an SRT caption file: no block has a valid timing line.", result.Error);
    }

    [Fact]
    public void The_largest_minutes_and_seconds_are_59()
    {
        Segments(Ok("1\n00:59:59,999 --> 01:59:59,999\nedge\n"), (3599.999, 7199.999, "edge"));
    }
}
