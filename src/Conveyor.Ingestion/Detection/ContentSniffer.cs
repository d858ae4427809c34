using System.IO.Compression;
using System.Text;
using Conveyor.Sessions.Audio;

namespace Conveyor.Ingestion.Detection;

/// <summary>
/// Tells what a file is from its first bytes, never from its name or declared type: tabular text, JSON, NDJSON,
/// captions, plain text or audio (each possibly gzipped); executables, other archives and binary data are refused.
/// </summary>
public static class ContentSniffer
{
    /// <summary>How many leading bytes sniffing looks at.</summary>
    public const int HeadBytes = 64 * 1024;

    public static SniffResult Sniff(ReadOnlySpan<byte> head, bool complete)
    {
        if (head.Length == 0) return SniffResult.Refuse("The file is empty.");
        if (head.StartsWith(new byte[] { 0x1f, 0x8b }))
        {
            var inner = Gunzip(head.ToArray(), out var innerComplete);
            if (inner is null) return SniffResult.Refuse("The gzip stream is corrupt.");
            var result = Sniff(inner, innerComplete && complete);
            if (result.Kind is ContentKind.Refused) return result with { Reason = "Inside gzip: " + result.Reason };
            return result with { Gzip = true };
        }
        if (Refused(head) is { } reason) return SniffResult.Refuse(reason);
        // A byte order mark says text; FF FE would otherwise pass for an MPEG frame sync.
        TextDecoding.Detect(head, out var bom);
        if (bom == 0 && Audio(head) is { } audio) return new SniffResult(ContentKind.Audio, false, null, audio);

        var text = TextDecoding.Decode(head, complete, out var encoding);
        if (text is null) return SniffResult.Refuse("The file is binary data of a type Conveyor does not take.");
        return new SniffResult(TextKind(text, complete), false, null, null) { Encoding = encoding };
    }

    private static byte[]? Gunzip(byte[] compressed, out bool complete)
    {
        try
        {
            using var gzip = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
            var buffer = new byte[HeadBytes];
            var total = 0;
            int read;
            complete = false;
            try
            {
                while (total < buffer.Length && (read = gzip.Read(buffer, total, buffer.Length - total)) > 0) total += read;
                complete = total < buffer.Length;
            }
            catch (InvalidDataException) when (total > 0)
            {
                // The head ends mid-stream: what was decompressed so far is enough to sniff.
            }
            return total == 0 ? null : buffer[..total];
        }
        catch (InvalidDataException)
        {
            complete = false;
            return null;
        }
    }

    private static string? Refused(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith("MZ"u8)) return "Windows executables are not accepted.";
        if (head.StartsWith(new byte[] { 0x7f, 0x45, 0x4c, 0x46 }))
            return "Executables are not accepted.";
        if (head.StartsWith(new byte[] { 0xcf, 0xfa, 0xed, 0xfe }) || head.StartsWith(new byte[] { 0xfe, 0xed, 0xfa, 0xcf }) || head.StartsWith(new byte[] { 0xca, 0xfe, 0xba, 0xbe }))
            return "Executables are not accepted.";
        if (head.StartsWith("#!"u8)) return "Scripts are not accepted.";
        if (head.StartsWith("PK\x03\x04"u8) || head.StartsWith("PK\x05\x06"u8)) return "Archives other than gzip (zip) are not accepted.";
        if (head.StartsWith(new byte[] { 0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c })) return "Archives other than gzip (7z) are not accepted.";
        if (head.StartsWith("Rar!"u8)) return "Archives other than gzip (rar) are not accepted.";
        if (head.StartsWith("BZh"u8)) return "Archives other than gzip (bzip2) are not accepted.";
        if (head.StartsWith(new byte[] { 0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00 })) return "Archives other than gzip (xz) are not accepted.";
        if (head.StartsWith(new byte[] { 0x28, 0xb5, 0x2f, 0xfd })) return "Archives other than gzip (zstd) are not accepted.";
        if (head.Length >= 262 && head[257..262].SequenceEqual("ustar"u8)) return "Archives other than gzip (tar) are not accepted.";
        if (head.StartsWith("%PDF"u8)) return "PDF documents are not accepted.";
        return null;
    }

    /// <summary>
    /// Audio is what the sessions pipeline can transcribe, told by the same sniffer it uses, so an upload taken as audio
    /// is one the transcription job can read (an HEIC image's <c>ftyp</c> box or a WebM file is refused here instead).
    /// </summary>
    private static string? Audio(ReadOnlySpan<byte> head) => AudioSniffer.Sniff(head)?.MediaType;

    private static ContentKind TextKind(string text, bool complete)
    {
        var trimmed = text.AsSpan().TrimStart();
        if (trimmed.StartsWith("WEBVTT", StringComparison.Ordinal)) return ContentKind.WebVtt;
        if (trimmed.Length > 0 && trimmed[0] == '[') return ContentKind.Json;
        if (trimmed.Length > 0 && trimmed[0] == '{')
        {
            // NDJSON when the first line is a whole JSON value on its own; a pretty-printed object is not.
            var lines = LineSample(text, complete, max: 1);
            return lines.Count == 1 && Readers.JsonRecordReader.ValidateObject(System.Text.Encoding.UTF8.GetBytes(lines[0])) is null
                ? ContentKind.Ndjson
                : ContentKind.Json;
        }
        if (IsSrt(text)) return ContentKind.Srt;
        return CsvDialectDetector.LooksTabular(text, complete) ? ContentKind.Csv : ContentKind.Text;
    }

    private static bool IsSrt(string text)
    {
        var lines = text.Split('\n', 3);
        return lines.Length >= 2 && int.TryParse(lines[0].Trim(), out _) && lines[1].Contains("-->", StringComparison.Ordinal);
    }

    /// <summary>The complete, non-blank lines of the sample (the last one only if the sample is the whole file).</summary>
    internal static List<string> LineSample(string text, bool complete, int max = 200)
    {
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        if (!complete && lines.Count > 1) lines.RemoveAt(lines.Count - 1);
        return lines.Where(l => l.Trim().Length > 0).Take(max).ToList();
    }
}

/// <summary>What sniffing found: the kind, whether it is gzipped, why it was refused, and the encoding of text.</summary>
public sealed record SniffResult(ContentKind Kind, bool Gzip, string? Reason, string? MimeType)
{
    public Encoding? Encoding { get; init; }

    public static SniffResult Refuse(string reason) => new(ContentKind.Refused, false, reason, null);

    public bool IsLoadable => Kind is ContentKind.Csv or ContentKind.Json or ContentKind.Ndjson;

    /// <summary>The job type whose handler takes this content (<c>csv</c>, <c>json</c>, <c>ndjson</c>, <c>transcription</c>).</summary>
    public string? JobType => Kind switch
    {
        ContentKind.Csv => "csv",
        ContentKind.Json => "json",
        ContentKind.Ndjson => "ndjson",
        ContentKind.WebVtt or ContentKind.Srt or ContentKind.Text or ContentKind.Audio => "transcription",
        _ => null,
    };

    public string ContentType => MimeType ?? Kind switch
    {
        ContentKind.Csv => "text/csv",
        ContentKind.Json => "application/json",
        ContentKind.Ndjson => "application/x-ndjson",
        ContentKind.WebVtt => "text/vtt",
        ContentKind.Srt => "application/x-subrip",
        ContentKind.Text => "text/plain",
        _ => "application/octet-stream",
    };
}
