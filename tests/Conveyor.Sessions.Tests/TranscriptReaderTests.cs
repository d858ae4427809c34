using System.Text;

namespace Conveyor.Sessions.Tests;

public sealed class TranscriptReaderTests
{
    private static TranscriptResult Read(string text, string? name) => TranscriptReader.Read(Encoding.UTF8.GetBytes(text), name);

    [Theory]
    [InlineData("WEBVTT\n\n00:00.000 --> 00:01.000\nhi\n", null, "webvtt")]
    [InlineData("WEBVTT\n\n00:00.000 --> 00:01.000\nhi\n", "notes.txt", "webvtt")]
    [InlineData("1\n00:00:00,000 --> 00:00:01,000\nhi\n", null, "srt")]
    [InlineData("\n\n 7 \n00:00:00,000 --> 00:00:01,000\nhi\n", "upload.bin", "srt")]
    [InlineData("1\r\n00:00:00,000 --> 00:00:01,000\r\nhi\r\n", null, "srt")]
    [InlineData("00:00:00,000 --> 00:00:01,000\nhi\n", "LECTURE.SRT", "srt")]
    [InlineData("hi\n", null, "text")]
    [InlineData("1\nhi\n", null, "text")]
    [InlineData("one\n00:00:00,000 --> 00:00:01,000\nhi\n", null, "text")]
    [InlineData("hi\n", "talk.md", "text")]
    public void The_format_comes_from_the_content_or_a_caption_file_name(string text, string? name, string format)
    {
        var result = Read(text, name);
        Assert.Equal(format, Assert.IsType<Transcript>(result.Transcript).Format);
        Assert.Contains("hi", result.Transcript.Text);
    }

    [Fact]
    public void A_file_named_vtt_without_the_signature_fails_saying_it_is_not_WebVTT()
    {
        Assert.Equal("The file is not a WebVTT caption file: its first line must be WEBVTT.", Read("1\n00:00:00,000 --> 00:00:01,000\nhi\n", "week1.vtt").Error);
    }

    [Fact]
    public void A_file_named_srt_with_no_cue_fails_saying_it_is_not_SRT()
    {
        Assert.Equal("The file is not an SRT caption file: no block has a valid timing line.", Read("just prose\n", "week1.srt").Error);
    }

    [Theory]
    [InlineData(new byte[] { 0x00, 0x01, 0x02, 0x03 })]
    [InlineData(new byte[] { (byte)'W', (byte)'E', (byte)'B', 0x00 })]
    [InlineData(new byte[] { (byte)'h', (byte)'i', 0x1b })]
    [InlineData(new byte[] { 0x7f, (byte)'E', (byte)'L', (byte)'F', 0x02, 0x01 })]
    public void Binary_content_is_not_a_caption_file_or_transcript(byte[] bytes)
    {
        var result = TranscriptReader.Read(bytes, "week1.vtt");
        Assert.Null(result.Transcript);
        Assert.Equal("The file is not a caption file (WebVTT or SRT) or a text transcript.", result.Error);
    }

    [Fact]
    public void Tabs_form_feeds_and_carriage_returns_are_text()
    {
        var result = TranscriptReader.Read("a\tb\fc\r\nd"u8, null);
        Assert.Equal("a b c d", Assert.IsType<Transcript>(result.Transcript).Text);
    }

    [Fact]
    public void Every_error_message_is_already_safe_to_show()
    {
        foreach (var message in new[] { TranscriptReader.NotText, Conveyor.Sessions.Captions.WebVttParser.NotWebVtt, Conveyor.Sessions.Captions.SrtParser.NotSrt })
            Assert.Equal(message, Core.SafeError.Sanitize(message));
    }

    [Fact]
    public void A_byte_order_mark_before_WEBVTT_is_WebVTT_without_a_file_name()
    {
        byte[] bytes = [0xEF, 0xBB, 0xBF, .. "WEBVTT\n\n00:00.000 --> 00:01.000\nhi\n"u8];
        var transcript = Assert.IsType<Transcript>(TranscriptReader.Read(bytes, null).Transcript);
        Assert.Equal((TranscriptFormats.WebVtt, "hi"), (transcript.Format, transcript.Text));
    }

    [Theory]
    [InlineData("\r\n\r\n1\r\n00:00:00,000 --> 00:00:01,000\r\nhi\r\n")]
    [InlineData("\t\n1\n00:00:00,000 --> 00:00:01,000\nhi\n")]
    public void SRT_after_blank_lines_of_any_kind_is_SRT(string text)
    {
        Assert.Equal(TranscriptFormats.Srt, Assert.IsType<Transcript>(Read(text, null).Transcript).Format);
    }

    [Fact]
    public void A_lone_SRT_cue_without_text_or_a_final_newline_is_still_SRT()
    {
        var result = Read("1\n00:00:00,000 --> 00:00:04,000", null);
        var transcript = Assert.IsType<Transcript>(result.Transcript);
        Assert.Equal((TranscriptFormats.Srt, 4.0, 0), (transcript.Format, transcript.DurationSeconds!.Value, transcript.Segments.Count));
    }
}
