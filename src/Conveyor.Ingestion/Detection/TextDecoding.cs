using System.Text;

namespace Conveyor.Ingestion.Detection;

/// <summary>Finds the encoding of text from its byte order mark (UTF-8, UTF-16 LE/BE), else strict UTF-8.</summary>
public static class TextDecoding
{
    public static Encoding Detect(ReadOnlySpan<byte> head, out int bomLength)
    {
        if (head.StartsWith(new byte[] { 0xef, 0xbb, 0xbf })) { bomLength = 3; return new UTF8Encoding(true); }
        if (head.StartsWith(new byte[] { 0xff, 0xfe })) { bomLength = 2; return new UnicodeEncoding(bigEndian: false, byteOrderMark: true); }
        if (head.StartsWith(new byte[] { 0xfe, 0xff })) { bomLength = 2; return new UnicodeEncoding(bigEndian: true, byteOrderMark: true); }
        bomLength = 0;
        return new UTF8Encoding(false);
    }

    public static string Name(Encoding encoding, bool bom) => encoding switch
    {
        UnicodeEncoding when encoding.GetPreamble() is [0xfe, 0xff] => "utf-16be",
        UnicodeEncoding => "utf-16le",
        _ => bom ? "utf-8-bom" : "utf-8",
    };

    /// <summary>
    /// The head as text, or null when it is not text (invalid UTF-8, or control characters other than tab, CR,
    /// LF and form feed). A multi-byte character cut at the end of an incomplete head is dropped, not an error.
    /// </summary>
    public static string? Decode(ReadOnlySpan<byte> head, bool complete, out Encoding encoding)
    {
        encoding = Detect(head, out var bom);
        var body = head[bom..];
        var strict = encoding is UnicodeEncoding u
            ? new UnicodeEncoding(u.GetPreamble() is [0xfe, 0xff], false, throwOnInvalidBytes: true)
            : (Encoding)new UTF8Encoding(false, throwOnInvalidBytes: true);
        var decoder = strict.GetDecoder();
        var chars = new char[strict.GetMaxCharCount(body.Length)];
        int count;
        try
        {
            decoder.Convert(body, chars, flush: complete, out _, out count, out _);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
        var text = new string(chars, 0, count);
        foreach (var c in text)
        {
            if (c < 0x20 && c is not ('\t' or '\r' or '\n' or '\f')) return null;
        }
        return text;
    }
}
