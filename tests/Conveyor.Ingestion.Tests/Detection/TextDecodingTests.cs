using System.Text;
using Conveyor.Ingestion.Detection;

namespace Conveyor.Ingestion.Tests.Detection;

public sealed class TextDecodingTests
{
    [Theory]
    [InlineData(new byte[] { 0xef, 0xbb, 0xbf, 0x61 }, 3, "utf-8-bom")]
    [InlineData(new byte[] { 0xff, 0xfe, 0x61, 0x00 }, 2, "utf-16le")]
    [InlineData(new byte[] { 0xfe, 0xff, 0x00, 0x61 }, 2, "utf-16be")]
    [InlineData(new byte[] { 0x61, 0x62 }, 0, "utf-8")]
    [InlineData(new byte[] { 0xef, 0xbb }, 0, "utf-8")]
    public void The_byte_order_mark_names_the_encoding(byte[] head, int bomLength, string name)
    {
        var encoding = TextDecoding.Detect(head, out var bom);

        Assert.Equal((bomLength, name), (bom, TextDecoding.Name(encoding, bom > 0)));
    }

    [Fact]
    public void Text_decodes_without_its_byte_order_mark()
    {
        Assert.Equal("a,é", TextDecoding.Decode([0xef, 0xbb, 0xbf, .. "a,é"u8.ToArray()], complete: true, out _));
        Assert.Equal("a,é", TextDecoding.Decode([.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes("a,é")], complete: true, out _));
        Assert.Equal("a,é", TextDecoding.Decode([.. Encoding.BigEndianUnicode.GetPreamble(), .. Encoding.BigEndianUnicode.GetBytes("a,é")], complete: true, out _));
    }

    [Theory]
    [InlineData("tab\there", true)]
    [InlineData("crlf\r\nlf\nff\f", true)]
    [InlineData("bell\u0007", false)]
    [InlineData("nul\0", false)]
    [InlineData("esc\u001b[0m", false)]
    public void Control_characters_other_than_layout_make_it_not_text(string text, bool isText)
    {
        Assert.Equal(isText ? text : null, TextDecoding.Decode(Encoding.UTF8.GetBytes(text), complete: true, out _));
    }

    [Fact]
    public void Invalid_utf8_is_not_text_but_a_cut_last_character_of_a_partial_head_is_dropped()
    {
        Assert.Null(TextDecoding.Decode([0x61, 0xc3, 0x28], complete: true, out _));
        Assert.Equal("ab", TextDecoding.Decode([0x61, 0x62, 0xc3], complete: false, out _));
        Assert.Null(TextDecoding.Decode([0x61, 0x62, 0xc3], complete: true, out _));
    }

    [Fact]
    public void Utf16_with_a_lone_surrogate_is_not_text()
    {
        byte[] lone = [0xff, 0xfe, 0x61, 0x00, 0x00, 0xd8, 0x62, 0x00]; // "a", U+D800 alone, "b"

        Assert.Null(TextDecoding.Decode(lone, complete: true, out _));
    }
}
