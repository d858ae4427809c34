using Conveyor.Sessions.Captions;

namespace Conveyor.Sessions.Tests.Captions;

public sealed class PlainTextParserTests
{
    [Fact]
    public void Each_paragraph_is_one_untimed_segment()
    {
        var t = PlainTextParser.Parse("\uFEFFFirst paragraph,\nstill first.\n\n  Second one.  \r\n \t\r\nThird\rline.\n\n\n");
        Assert.Equal(TranscriptFormats.Text, t.Format);
        Assert.Null(t.Language);
        Assert.Null(t.DurationSeconds);
        Assert.Equal(
            [(0, "First paragraph, still first."), (1, "Second one."), (2, "Third line.")],
            t.Segments.Select(s => (s.Index, s.Text)).ToArray());
        Assert.All(t.Segments, s => Assert.True(s.StartSeconds is null && s.EndSeconds is null && s.Speaker is null));
        Assert.Equal("First paragraph, still first.\n\nSecond one.\n\nThird line.", t.Text);
    }

    [Fact]
    public void Empty_text_has_no_segments()
    {
        var t = PlainTextParser.Parse(" \n\n\t\n");
        Assert.Empty(t.Segments);
        Assert.Equal("", t.Text);
    }
}
