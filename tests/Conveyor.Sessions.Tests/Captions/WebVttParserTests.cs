using System.Text;
using Conveyor.Sessions.Captions;

namespace Conveyor.Sessions.Tests.Captions;

/// <summary>The W3C WebVTT parsing algorithm's corner cases, each asserting the transcript a user would get.</summary>
public sealed class WebVttParserTests
{
    private static TranscriptResult Parse(string text) => WebVttParser.Parse(text);

    private static Transcript Ok(string text, int skipped = 0)
    {
        var result = Parse(text);
        Assert.Null(result.Error);
        Assert.Equal(skipped, result.SkippedBlocks);
        return Assert.IsType<Transcript>(result.Transcript);
    }

    private static void Segments(Transcript transcript, params (double? Start, double? End, string? Speaker, string Text)[] expected)
    {
        Assert.Equal(expected, transcript.Segments.Select(s => (s.StartSeconds, s.EndSeconds, s.Speaker, s.Text)).ToArray());
        Assert.Equal(Enumerable.Range(0, expected.Length), transcript.Segments.Select(s => s.Index));
    }

    [Fact]
    public void A_plain_file_gives_one_segment_per_cue_with_exact_times()
    {
        var t = Ok("WEBVTT\n\n00:00:00.000 --> 00:00:04.000\nWelcome to week one.\n\n00:00:04.250 --> 00:00:09.003\nToday: cells.\n");
        Assert.Equal(TranscriptFormats.WebVtt, t.Format);
        Assert.Null(t.Language);
        Assert.Equal(9.003, t.DurationSeconds);
        Assert.Equal("Welcome to week one. Today: cells.", t.Text);
        Segments(t, (0.0, 4.0, null, "Welcome to week one."), (4.25, 9.003, null, "Today: cells."));
    }

    [Fact]
    public void A_byte_order_mark_before_the_signature_is_allowed()
    {
        var t = Ok("\uFEFFWEBVTT\n\n00:01.000 --> 00:02.000\nHi\n");
        Segments(t, (1.0, 2.0, null, "Hi"));
    }

    [Fact]
    public void A_byte_order_mark_in_the_bytes_is_allowed_through_the_reader()
    {
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("WEBVTT\n\n00:01.000 --> 00:02.000\nHi\n")).ToArray();
        var result = TranscriptReader.Read(bytes, "week1.vtt");
        Assert.Equal("Hi", Assert.IsType<Transcript>(result.Transcript).Text);
        Assert.Equal(TranscriptFormats.WebVtt, result.Transcript.Format);
    }

    [Fact]
    public void Timestamps_without_hours_are_minutes_and_seconds()
    {
        var t = Ok("WEBVTT\n\n01:02.003 --> 59:59.999\nLong\n");
        Segments(t, (62.003, 3599.999, null, "Long"));
    }

    [Fact]
    public void Hours_may_have_one_or_more_digits()
    {
        var t = Ok("WEBVTT\n\n1:00:00.000 --> 123:00:00.001\nLater\n");
        Segments(t, (3600.0, 442800.001, null, "Later"));
        Assert.Equal(442800.001, t.DurationSeconds);
    }

    [Fact]
    public void A_first_field_over_59_is_hours_and_then_needs_seconds()
    {
        Segments(Ok("WEBVTT\n\n60:00:01.000 --> 60:00:02.000\nA\n"), (216001.0, 216002.0, null, "A"));
        // "60:01.000" reads 60 as hours, so the seconds field is missing: malformed.
        var t = Ok("WEBVTT\n\n60:01.000 --> 60:02.000\nA\n", skipped: 1);
        Assert.Empty(t.Segments);
    }

    [Fact]
    public void Cue_identifiers_are_not_text()
    {
        var t = Ok("WEBVTT\n\nintro\n00:00.000 --> 00:01.000\nHello\n\n2\n00:01.000 --> 00:02.000\nAgain\n");
        Segments(t, (0.0, 1.0, null, "Hello"), (1.0, 2.0, null, "Again"));
    }

    [Fact]
    public void Cue_settings_after_the_end_time_are_ignored()
    {
        var t = Ok("WEBVTT\n\n00:00.000 --> 00:01.500 align:start position:10% line:0 size:50% vertical:rl region:r1\nSet\n");
        Segments(t, (0.0, 1.5, null, "Set"));
    }

    [Fact]
    public void Tabs_and_extra_spaces_around_the_arrow_are_allowed()
    {
        Segments(Ok("WEBVTT\n\n  00:00.000\t-->   00:01.000\nSpaced\n"), (0.0, 1.0, null, "Spaced"));
        Segments(Ok("WEBVTT\n\n00:00.000-->00:01.000\nTight\n"), (0.0, 1.0, null, "Tight"));
    }

    [Fact]
    public void The_header_after_the_signature_is_skipped_and_its_language_kept()
    {
        var t = Ok("WEBVTT - Week 1 lecture\nKind: captions\nLanguage: en-GB\n\n00:00.000 --> 00:01.000\nHi\n");
        Assert.Equal("en-GB", t.Language);
        Segments(t, (0.0, 1.0, null, "Hi"));
    }

    [Fact]
    public void A_header_with_no_language_line_gives_no_language()
    {
        Assert.Null(Ok("WEBVTT\nKind: captions\nLanguage:\nX-TIMESTAMP-MAP=MPEGTS:0\n\n00:00.000 --> 00:01.000\nHi\n").Language);
        Assert.Null(Ok("WEBVTT\n: en\n\n00:00.000 --> 00:01.000\nHi\n").Language);
    }

    [Fact]
    public void A_cue_may_follow_the_signature_line_directly()
    {
        Segments(Ok("WEBVTT\n00:00.000 --> 00:01.000\nAt once\n"), (0.0, 1.0, null, "At once"));
    }

    [Fact]
    public void The_signature_may_carry_text_after_a_space_or_tab()
    {
        Segments(Ok("WEBVTT Lecture\n\n00:00.000 --> 00:01.000\nA\n"), (0.0, 1.0, null, "A"));
        Segments(Ok("WEBVTT\tLecture\n\n00:00.000 --> 00:01.000\nA\n"), (0.0, 1.0, null, "A"));
    }

    [Fact]
    public void A_file_of_the_signature_alone_is_an_empty_transcript()
    {
        foreach (var text in new[] { "WEBVTT", "WEBVTT\n", "WEBVTT\n\n\n", "WEBVTT\nKind: captions" })
        {
            var t = Ok(text);
            Assert.Empty(t.Segments);
            Assert.Equal("", t.Text);
            Assert.Null(t.DurationSeconds);
        }
    }

    [Theory]
    [InlineData("WEBVTTX\n\n00:00.000 --> 00:01.000\nA\n")]
    [InlineData("webvtt\n\n00:00.000 --> 00:01.000\nA\n")]
    [InlineData(" WEBVTT\n\n00:00.000 --> 00:01.000\nA\n")]
    [InlineData("1\n00:00:00,000 --> 00:00:01,000\nA\n")]
    [InlineData("WEBVT")]
    [InlineData("")]
    [InlineData("\uFEFF\uFEFFWEBVTT\n")]
    [InlineData("<html><body>not captions</body></html>")]
    public void A_garbage_signature_fails_with_a_message_that_says_it_is_not_a_caption_file(string text)
    {
        var result = Parse(text);
        Assert.Null(result.Transcript);
        Assert.Equal("The file is not a WebVTT caption file: its first line must be WEBVTT.", result.Error);
    }

    [Fact]
    public void NOTE_STYLE_and_REGION_blocks_are_skipped_without_counting_as_malformed()
    {
        var t = Ok("""
            WEBVTT

            STYLE
            ::cue { color: yellow }

            REGION
            id:fred width:40%

            NOTE This is a comment
            spanning two lines

            NOTE
            another

            NOTE	tabbed

            00:00.000 --> 00:01.000
            Spoken

            NOTE after a cue

            00:01.000 --> 00:02.000
            More
            """.Replace("\r\n", "\n"));
        Segments(t, (0.0, 1.0, null, "Spoken"), (1.0, 2.0, null, "More"));
    }

    [Fact]
    public void STYLE_after_a_cue_and_words_that_only_begin_like_NOTE_are_malformed_blocks()
    {
        var t = Ok("WEBVTT\n\n00:00.000 --> 00:01.000\nA\n\nSTYLE\n::cue {}\n\nNOTES are here\n\nREGIONAL\n\n00:01.000 --> 00:02.000\nB\n", skipped: 3);
        Segments(t, (0.0, 1.0, null, "A"), (1.0, 2.0, null, "B"));
    }

    [Fact]
    public void REGION_after_a_cue_is_a_malformed_block_and_STYLE_before_counts_as_style()
    {
        var t = Ok("WEBVTT\n\nSTYLE\n\n00:00.000 --> 00:01.000\nA\n\nREGION\nid:r\n", skipped: 1);
        Segments(t, (0.0, 1.0, null, "A"));
    }

    [Theory]
    [InlineData("00:00.000 -> 00:01.000")]
    [InlineData("00:00:00,000 --> 00:00:01,000")]
    [InlineData("0:00.000 --> 0:01.000")]
    [InlineData("00:00.00 --> 00:01.000")]
    [InlineData("00:00.0000 --> 00:01.000")]
    [InlineData("00:60.000 --> 00:61.000")]
    [InlineData("00:00:60.000 --> 00:01:00.000")]
    [InlineData("00:60:00.000 --> 01:00:00.000")]
    [InlineData("00:00.000 --> ")]
    [InlineData(" --> 00:01.000")]
    [InlineData("00:00.000 00:01.000 -->")]
    [InlineData("a00:00.000 --> 00:01.000")]
    [InlineData("00:00.000 --> x00:01.000")]
    [InlineData("00:0.000 --> 00:01.000")]
    [InlineData("00:00:0.000 --> 00:00:01.000")]
    [InlineData("00:00 --> 00:01")]
    [InlineData("00:00:00.000 --> 00:00:01.")]
    [InlineData("00 --> 01")]
    [InlineData("1234567890:00:00.000 --> 1234567890:00:01.000")]
    public void A_block_with_malformed_timings_is_skipped_and_counted_and_the_rest_is_read(string timing)
    {
        var t = Ok($"WEBVTT\n\n00:00.000 --> 00:01.000\nBefore\n\n{timing}\nLost\n\n00:02.000 --> 00:03.000\nAfter\n", skipped: 1);
        Segments(t, (0.0, 1.0, null, "Before"), (2.0, 3.0, null, "After"));
    }

    [Fact]
    public void Trailing_garbage_after_the_end_time_is_read_as_settings()
    {
        Segments(Ok("WEBVTT\n\n00:00.000 --> 00:01.000abc\nOk\n"), (0.0, 1.0, null, "Ok"));
        Segments(Ok("WEBVTT\n\n00:00.000 --> 00:01.000:\nOk\n"), (0.0, 1.0, null, "Ok"));
    }

    [Fact]
    public void A_text_block_without_a_timing_line_is_skipped_and_counted()
    {
        var t = Ok("WEBVTT\n\nstray words\nwith no timing\n\n00:00.000 --> 00:01.000\nKept\n", skipped: 1);
        Segments(t, (0.0, 1.0, null, "Kept"));
    }

    [Fact]
    public void An_identifier_with_a_malformed_timing_line_is_one_skipped_block()
    {
        var t = Ok("WEBVTT\n\ncue-7\n00:00.000 --> bad\ntext\n\n00:01.000 --> 00:02.000\nKept\n", skipped: 1);
        Segments(t, (1.0, 2.0, null, "Kept"));
    }

    [Fact]
    public void A_timing_line_inside_cue_text_starts_the_next_cue()
    {
        var t = Ok("WEBVTT\n\n00:00.000 --> 00:01.000\nfirst\n00:01.000 --> 00:02.000\nsecond\n");
        Segments(t, (0.0, 1.0, null, "first"), (1.0, 2.0, null, "second"));
    }

    [Fact]
    public void An_identifier_line_then_a_second_arrow_line_ends_the_cue_at_the_second()
    {
        // Line 1 is the id, line 2 the timing; a third line with an arrow begins a new block.
        var t = Ok("WEBVTT\n\nid\n00:00.000 --> 00:01.000\n00:05.000 --> 00:06.000\nsix\n");
        Segments(t, (5.0, 6.0, null, "six"));
        Assert.Equal(6.0, t.DurationSeconds);
    }

    [Fact]
    public void Carriage_returns_and_crlf_line_endings_are_line_breaks()
    {
        Segments(Ok("WEBVTT\r\n\r\n00:00.000 --> 00:01.000\r\nCRLF\r\nline\r\n\r\n00:01.000 --> 00:02.000\rCR\r"),
            (0.0, 1.0, null, "CRLF line"), (1.0, 2.0, null, "CR"));
    }

    [Fact]
    public void Multi_line_cue_text_joins_with_spaces_and_many_blank_lines_between_cues_are_fine()
    {
        var t = Ok("WEBVTT\n\n\n\n00:00.000 --> 00:01.000\n  line one  \n\tline two\n\n\n\n00:01.000 --> 00:02.000\nx");
        Segments(t, (0.0, 1.0, null, "line one line two"), (1.0, 2.0, null, "x"));
    }

    [Fact]
    public void A_cue_without_text_gives_no_segment_but_counts_toward_the_duration()
    {
        var t = Ok("WEBVTT\n\n00:00.000 --> 00:01.000\nA\n\n00:01.000 --> 00:07.000\n\n00:02.000 --> 00:03.000\n<i></i>\n");
        Segments(t, (0.0, 1.0, null, "A"));
        Assert.Equal(7.0, t.DurationSeconds);
    }

    [Fact]
    public void The_duration_is_the_latest_end_whatever_the_cue_order()
    {
        var t = Ok("WEBVTT\n\n00:05.000 --> 00:09.000\nA\n\n00:01.000 --> 00:02.000\nB\n");
        Assert.Equal(9.0, t.DurationSeconds);
        Segments(t, (5.0, 9.0, null, "A"), (1.0, 2.0, null, "B"));
    }

    [Fact]
    public void A_voice_span_names_the_speaker()
    {
        var t = Ok("WEBVTT\n\n00:00.000 --> 00:02.000\n<v Dr. Ada Lovelace>Good morning.</v>\n");
        Segments(t, (0.0, 2.0, "Dr. Ada Lovelace", "Good morning."));
    }

    [Fact]
    public void A_voice_span_with_classes_names_the_speaker_without_the_classes()
    {
        var t = Ok("WEBVTT\n\n00:00.000 --> 00:02.000\n<v.loud.first   Esme   Tan >Hey!\n");
        Segments(t, (0.0, 2.0, "Esme Tan", "Hey!"));
    }

    [Fact]
    public void An_unclosed_voice_span_runs_to_the_end_of_the_cue_and_the_next_cue_starts_fresh()
    {
        var t = Ok("WEBVTT\n\n00:00.000 --> 00:01.000\n<v Bob>Hello\nthere\n\n00:01.000 --> 00:02.000\nNobody\n");
        Segments(t, (0.0, 1.0, "Bob", "Hello there"), (1.0, 2.0, null, "Nobody"));
    }

    [Fact]
    public void Two_voices_in_one_cue_give_two_segments_with_the_cue_times()
    {
        var t = Ok("WEBVTT\n\n00:00.000 --> 00:03.000\n<v Roger>Hi!</v>\n<v Mary>Hello, Roger.\n");
        Segments(t, (0.0, 3.0, "Roger", "Hi!"), (0.0, 3.0, "Mary", "Hello, Roger."));
        Assert.Equal("Hi! Hello, Roger.", t.Text);
    }

    [Fact]
    public void Text_after_a_closed_voice_span_has_no_speaker_and_the_same_voice_twice_is_one_segment()
    {
        Segments(Ok("WEBVTT\n\n00:00.000 --> 00:01.000\n<v A>one</v> two\n"), (0.0, 1.0, "A", "one"), (0.0, 1.0, null, "two"));
        Segments(Ok("WEBVTT\n\n00:00.000 --> 00:01.000\n<v A>one</v> <v A>two</v>\n"), (0.0, 1.0, "A", "one two"));
    }

    [Fact]
    public void A_voice_span_without_a_name_has_no_speaker()
    {
        Segments(Ok("WEBVTT\n\n00:00.000 --> 00:01.000\n<v>anonymous</v>\n"), (0.0, 1.0, null, "anonymous"));
    }

    [Fact]
    public void Nested_spans_inside_a_voice_keep_the_voice()
    {
        var t = Ok("WEBVTT\n\n00:00.000 --> 00:01.000\n<v Ann><i>very</i> <b>bold</b> <c.red>claim</c></v>\n");
        Segments(t, (0.0, 1.0, "Ann", "very bold claim"));
    }

    [Fact]
    public void Other_tags_are_removed_and_their_text_kept()
    {
        var t = Ok("WEBVTT\n\n00:00.000 --> 00:01.000\n<c.yellow.bg_blue>This</c> <i>is</i> <b>marked</b> <u>up</u> <lang en>text</lang><custom>!</custom>\n");
        Segments(t, (0.0, 1.0, null, "This is marked up text!"));
    }

    [Fact]
    public void Unclosed_and_mismatched_tags_do_not_lose_text()
    {
        var t = Ok("WEBVTT\n\n00:00.000 --> 00:01.000\n<i>never closed <b>bold</i> still</b> end</u>\n");
        Segments(t, (0.0, 1.0, null, "never closed bold still end"));
    }

    [Fact]
    public void A_tag_cut_off_by_the_end_of_the_cue_is_dropped()
    {
        Segments(Ok("WEBVTT\n\n00:00.000 --> 00:01.000\nwords <i\n"), (0.0, 1.0, null, "words"));
        Segments(Ok("WEBVTT\n\n00:00.000 --> 00:01.000\nwords <\n"), (0.0, 1.0, null, "words"));
        Segments(Ok("WEBVTT\n\n00:00.000 --> 00:01.000\nwords </i"), (0.0, 1.0, null, "words"));
        Assert.Empty(Ok("WEBVTT\n\n00:00.000 --> 00:01.000\n<v Cut off").Segments);
    }

    [Fact]
    public void A_voice_tag_cut_off_at_the_end_still_names_nobody_for_the_text_before()
    {
        Segments(Ok("WEBVTT\n\n00:00.000 --> 00:01.000\nbefore <v Late"), (0.0, 1.0, null, "before"));
    }

    [Fact]
    public void Ruby_text_is_left_out_and_the_base_text_kept()
    {
        var t = Ok("WEBVTT\n\n00:00.000 --> 00:01.000\n<ruby>漢<rt>kan</rt>字<rt>ji</rt></ruby>です\n");
        Segments(t, (0.0, 1.0, null, "漢字です"));
    }

    [Fact]
    public void An_unclosed_rt_ends_with_its_ruby()
    {
        var t = Ok("WEBVTT\n\n00:00.000 --> 00:01.000\n<ruby>東京<rt>とうきょう</ruby> is big\n");
        Segments(t, (0.0, 1.0, null, "東京 is big"));
    }

    [Fact]
    public void An_rt_outside_ruby_is_ignored_as_a_tag()
    {
        Segments(Ok("WEBVTT\n\n00:00.000 --> 00:01.000\nplain <rt>kept</rt> text\n"), (0.0, 1.0, null, "plain kept text"));
    }

    [Fact]
    public void Timestamp_tags_are_removed()
    {
        var t = Ok("WEBVTT\n\n00:00.000 --> 00:03.000\nNever <00:00:01.000>drink <00:00:02.000>liquid nitrogen.\n");
        Segments(t, (0.0, 3.0, null, "Never drink liquid nitrogen."));
    }

    [Fact]
    public void Character_references_are_decoded()
    {
        var t = Ok("WEBVTT\n\n00:00.000 --> 00:01.000\nFish &amp; chips &lt;3 &gt; 2&nbsp;pounds &#233;t&#xE9; &quot;q&quot; &#39;s&#39; &eacute;\n");
        Segments(t, (0.0, 1.0, null, "Fish & chips <3 > 2\u00A0pounds été \"q\" 's' é"));
    }

    [Fact]
    public void A_decoded_less_than_sign_is_text_not_a_tag()
    {
        Segments(Ok("WEBVTT\n\n00:00.000 --> 00:01.000\n&lt;i&gt;literal&lt;/i&gt;\n"), (0.0, 1.0, null, "<i>literal</i>"));
    }

    [Fact]
    public void References_in_a_voice_name_are_decoded()
    {
        Segments(Ok("WEBVTT\n\n00:00.000 --> 00:01.000\n<v Tom &amp; Jerry>Both</v>\n"), (0.0, 1.0, "Tom & Jerry", "Both"));
    }

    [Fact]
    public void An_unknown_reference_and_a_bare_ampersand_stay_as_they_are()
    {
        Segments(Ok("WEBVTT\n\n00:00.000 --> 00:01.000\nR&D &bogus; a & b\n"), (0.0, 1.0, null, "R&D &bogus; a & b"));
    }

    [Fact]
    public void A_NUL_character_becomes_the_replacement_character()
    {
        Segments(Ok("WEBVTT\n\n00:00.000 --> 00:01.000\na\0b\n"), (0.0, 1.0, null, "a\uFFFDb"));
    }

    [Fact]
    public void A_file_without_a_final_newline_keeps_its_last_cue()
    {
        Segments(Ok("WEBVTT\n\n00:00.000 --> 00:01.000\nlast"), (0.0, 1.0, null, "last"));
        Segments(Ok("WEBVTT\n\n00:00.000 --> 00:01.000"), []);
    }

    [Fact]
    public void Several_malformed_blocks_are_each_counted()
    {
        var t = Ok("WEBVTT\n\nx --> y\na\n\nstray\n\n00:00.000 --> 00:01.000\nok\n\n00:99.000 --> 01:00.000\nb\n", skipped: 3);
        Segments(t, (0.0, 1.0, null, "ok"));
    }

    [Fact]
    public void An_arrow_in_the_header_ends_the_header_and_is_read_as_a_cue()
    {
        var t = Ok("WEBVTT\nKind: captions\n00:00.000 --> 00:01.000\nafter header\n");
        Segments(t, (0.0, 1.0, null, "after header"));
    }

    [Fact]
    public void The_language_line_is_found_whatever_its_case_and_spacing()
    {
        Assert.Equal("fr", Ok("WEBVTT\n  language :  fr \n\n00:00.000 --> 00:01.000\nSalut\n").Language);
    }

    [Fact]
    public void Hours_of_nine_digits_are_read_and_ten_are_malformed()
    {
        Segments(Ok("WEBVTT\n\n123456789:00:00.000 --> 123456789:00:00.001\nfar\n"), (444444440400.0, 444444440400.001, null, "far"));
        Assert.Empty(Ok("WEBVTT\n\n1234567890:00:00.000 --> 1234567890:00:00.001\nfar\n", skipped: 1).Segments);
    }

    [Fact]
    public void A_form_feed_around_the_arrow_is_whitespace()
    {
        Segments(Ok("WEBVTT\n\n00:00.000\f-->\f00:01.000\nFed\n"), (0.0, 1.0, null, "Fed"));
    }

    [Theory]
    [InlineData("<c>", "</c>")]
    [InlineData("<i>", "</i>")]
    [InlineData("<b>", "</b>")]
    [InlineData("<u>", "</u>")]
    [InlineData("<lang en>", "</lang>")]
    [InlineData("<ruby>", "</ruby>")]
    public void A_span_left_open_inside_a_voice_keeps_the_voice_past_its_end_tag(string open, string close)
    {
        // </v> does not close the voice while another span is open inside it (the W3C tree building), so all is Ann's.
        Segments(Ok($"WEBVTT\n\n00:00.000 --> 00:01.000\n<v Ann>one {open}two</v> three{close} four\n"), (0.0, 1.0, "Ann", "one two three four"));
    }

    [Fact]
    public void A_voice_inside_a_voice_speaks_until_it_closes()
    {
        Segments(Ok("WEBVTT\n\n00:00.000 --> 00:01.000\n<v Ann>one <v Bob>two</v> three</v> four\n"),
            (0.0, 1.0, "Ann", "one"), (0.0, 1.0, "Bob", "two"), (0.0, 1.0, "Ann", "three"), (0.0, 1.0, null, "four"));
    }

    [Theory]
    [InlineData("<v\tEsme>")]
    [InlineData("<v\nEsme>")]
    [InlineData("<v\fEsme>")]
    [InlineData("<v.loud\tEsme>")]
    [InlineData("<v.loud\nEsme>")]
    [InlineData("<v.loud\fEsme>")]
    [InlineData("<v.a.b Esme>")]
    public void Any_whitespace_ends_a_voice_tags_name_or_classes(string tag)
    {
        Segments(Ok($"WEBVTT\n\n00:00.000 --> 00:01.000\n{tag}Hi\n"), (0.0, 1.0, "Esme", "Hi"));
    }

    [Fact]
    public void End_tags_with_nothing_open_are_ignored()
    {
        Segments(Ok("WEBVTT\n\n00:00.000 --> 00:01.000\n</i>stray</ruby> end</v>\n"), (0.0, 1.0, null, "stray end"));
    }

    [Fact]
    public void A_NOTE_with_a_malformed_timing_line_under_it_is_a_malformed_block()
    {
        var t = Ok("WEBVTT\n\nNOTE\n00:00.000 --> later\n\n00:01.000 --> 00:02.000\nKept\n", skipped: 1);
        Segments(t, (1.0, 2.0, null, "Kept"));
    }

    [Fact]
    public void A_second_timing_line_right_after_the_first_starts_a_new_cue_and_the_first_still_counts_for_the_duration()
    {
        var t = Ok("WEBVTT\n\n00:00.000 --> 00:09.000\n00:05.000 --> 00:06.000\nsix\n");
        Segments(t, (5.0, 6.0, null, "six"));
        Assert.Equal(9.0, t.DurationSeconds);
    }

    [Fact]
    public void Two_lines_of_cue_text_then_a_timing_line_end_the_cue_there()
    {
        var t = Ok("WEBVTT\n\n00:00.000 --> 00:01.000\nfirst line\nsecond line\n00:01.000 --> 00:02.000\nnext\n");
        Segments(t, (0.0, 1.0, null, "first line second line"), (1.0, 2.0, null, "next"));
    }

    [Fact]
    public void Two_stray_lines_then_a_timing_line_are_one_skipped_block_and_a_cue()
    {
        var t = Ok("WEBVTT\n\nstray one\nstray two\n00:01.000 --> 00:02.000\nkept\n", skipped: 1);
        Segments(t, (1.0, 2.0, null, "kept"));
    }

    [Theory]
    [InlineData("00:00.000 --> 00:01")]
    [InlineData("00:00.000 --> 00")]
    [InlineData("00:00.000 --> 01:00:00")]
    [InlineData("00:00.000 --> 01:")]
    [InlineData("00:00.000 --> 01:00:")]
    [InlineData("00:00.000 -->")]
    [InlineData("00:00.000 --")]
    public void A_timing_line_cut_off_inside_its_end_time_is_malformed(string timing)
    {
        var t = Ok($"WEBVTT\n\n{timing}\nLost\n\n00:02.000 --> 00:03.000\nAfter\n", skipped: 1);
        Segments(t, (2.0, 3.0, null, "After"));
    }

    [Fact]
    public void The_largest_minutes_and_seconds_are_59()
    {
        Segments(Ok("WEBVTT\n\n00:59:59.999 --> 59:59.999\nedge\n"), (3599.999, 3599.999, null, "edge"));
    }
}
