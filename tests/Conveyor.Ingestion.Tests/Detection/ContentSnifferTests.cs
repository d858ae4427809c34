using System.IO.Compression;
using System.Text;
using Conveyor.Ingestion.Detection;

namespace Conveyor.Ingestion.Tests.Detection;

public sealed class ContentSnifferTests
{
    private static byte[] Bytes(params int[] head) => [.. head.Select(b => (byte)b), .. "rest of the file"u8.ToArray()];

    public static byte[] Gzip(byte[] data)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(data);
        return output.ToArray();
    }

    public static TheoryData<byte[], string> RefusedFiles()
    {
        var tar = new byte[600];
        Encoding.ASCII.GetBytes("file.txt").CopyTo(tar, 0);
        Encoding.ASCII.GetBytes("ustar").CopyTo(tar, 257);
        return new TheoryData<byte[], string>
        {
            { [], "The file is empty." },
            { "MZ\x90\x00"u8.ToArray(), "Windows executables are not accepted." },
            { Bytes(0x7f, 0x45, 0x4c, 0x46), "Executables are not accepted." },
            { Bytes(0xcf, 0xfa, 0xed, 0xfe), "Executables are not accepted." },
            { Bytes(0xfe, 0xed, 0xfa, 0xcf), "Executables are not accepted." },
            { Bytes(0xca, 0xfe, 0xba, 0xbe), "Executables are not accepted." },
            { "#!/bin/sh\necho hi\n"u8.ToArray(), "Scripts are not accepted." },
            { Bytes(0x50, 0x4b, 0x03, 0x04), "Archives other than gzip (zip) are not accepted." },
            { Bytes(0x50, 0x4b, 0x05, 0x06), "Archives other than gzip (zip) are not accepted." },
            { Bytes(0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c), "Archives other than gzip (7z) are not accepted." },
            { "Rar!\x1a\x07"u8.ToArray(), "Archives other than gzip (rar) are not accepted." },
            { "BZh91AY&SY"u8.ToArray(), "Archives other than gzip (bzip2) are not accepted." },
            { Bytes(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00), "Archives other than gzip (xz) are not accepted." },
            { Bytes(0x28, 0xb5, 0x2f, 0xfd), "Archives other than gzip (zstd) are not accepted." },
            { tar, "Archives other than gzip (tar) are not accepted." },
            { "%PDF-1.7\n"u8.ToArray(), "PDF documents are not accepted." },
            { Bytes(0x00, 0x01, 0x02, 0x03), "The file is binary data of a type Conveyor does not take." },
            { "name,value\n1,\x01\n"u8.ToArray(), "The file is binary data of a type Conveyor does not take." },
            { Bytes(0x61, 0x62, 0xc3, 0x28), "The file is binary data of a type Conveyor does not take." },
            { Gzip("MZ\x90\x00"u8.ToArray()), "Inside gzip: Windows executables are not accepted." },
            { [0x1f, 0x8b, 0x08, 0x00, 0x01, 0x02, 0x03], "The gzip stream is corrupt." },
        };
    }

    [Theory]
    [MemberData(nameof(RefusedFiles))]
    public void Executables_archives_documents_and_binary_data_are_refused_with_why(byte[] head, string reason)
    {
        var result = ContentSniffer.Sniff(head, complete: true);

        Assert.Equal((ContentKind.Refused, reason), (result.Kind, result.Reason));
        Assert.False(result.Gzip);
        Assert.False(result.IsLoadable);
        Assert.Null(result.JobType);
        Assert.Equal("application/octet-stream", result.ContentType);
    }

    [Fact]
    public void Short_files_that_only_start_like_a_7z_or_tar_are_not_refused_as_archives()
    {
        Assert.NotEqual(ContentKind.Refused, ContentSniffer.Sniff("7z"u8, complete: true).Kind);
        Assert.NotEqual(ContentKind.Refused, ContentSniffer.Sniff("7zabc"u8, complete: true).Kind);
    }

    public static TheoryData<byte[], string> AudioFiles => new()
    {
        { [.. "RIFF"u8.ToArray(), 0x24, 0, 0, 0, .. "WAVEfmt "u8.ToArray()], "audio/wav" },
        { "ID3\x04\x00"u8.ToArray(), "audio/mpeg" },
        { Bytes(0xff, 0xfb, 0x90, 0x64), "audio/mpeg" },
        { Bytes(0xff, 0xf3, 0x90, 0x64), "audio/mpeg" },
        { "OggS\x00\x02"u8.ToArray(), "audio/ogg" },
        { "fLaC\x00\x00"u8.ToArray(), "audio/flac" },
        { [0, 0, 0, 0x20, .. "ftypM4A "u8.ToArray()], "audio/mp4" },
        { "RIFF\x24\x00\x00\x00WAVE"u8.ToArray(), "audio/wav" },
        { [0, 0, 0, 0x18, .. "ftypisom"u8.ToArray()], "audio/mp4" },
    };

    [Theory]
    [MemberData(nameof(AudioFiles))]
    public void Audio_is_told_by_its_signature_and_goes_to_transcription(byte[] head, string mime)
    {
        var result = ContentSniffer.Sniff(head, complete: true);

        Assert.Equal((ContentKind.Audio, mime, false), (result.Kind, result.MimeType, result.Gzip));
        Assert.Equal("transcription", result.JobType);
        Assert.Equal(mime, result.ContentType);
        Assert.False(result.IsLoadable);
    }

    [Fact]
    public void A_tar_header_of_exactly_its_262_signature_bytes_is_refused()
    {
        var tar = new byte[262];
        Encoding.ASCII.GetBytes("ustar").CopyTo(tar, 257);

        Assert.Equal("Archives other than gzip (tar) are not accepted.", ContentSniffer.Sniff(tar, complete: true).Reason);
    }

    [Fact]
    public void A_gzipped_head_of_a_larger_file_does_not_count_its_cut_last_line()
    {
        // The head holds the start of the file only: its last line is cut, so it must not count against the delimiter.
        var head = Gzip("a,b,c\n1,2,3\n4,5,6\n7,8"u8.ToArray());

        Assert.Equal((ContentKind.Csv, true), (ContentSniffer.Sniff(head, complete: false).Kind, ContentSniffer.Sniff(head, complete: false).Gzip));
        Assert.Equal(ContentKind.Text, ContentSniffer.Sniff(head, complete: true).Kind);
    }

    /// <summary>Audio the transcription job could not read is not taken as audio: a WebM file, an HEIC image.</summary>
    [Theory]
    [InlineData(new byte[] { 0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0xf7, 0x81 })]
    [InlineData(new byte[] { 0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x68, 0x65, 0x69, 0x63, 0, 0, 0, 0 })]
    public void A_container_the_pipeline_cannot_transcribe_is_refused(byte[] head)
    {
        var result = ContentSniffer.Sniff(head, complete: true);

        Assert.Equal(ContentKind.Refused, result.Kind);
        Assert.Equal("The file is binary data of a type Conveyor does not take.", result.Reason);
    }

    [Fact]
    public void A_riff_file_that_is_not_wave_is_not_audio()
    {
        var result = ContentSniffer.Sniff([.. "RIFF"u8.ToArray(), 0x24, 0, 0, 0, .. "AVI LIST"u8.ToArray()], complete: true);

        Assert.NotEqual(ContentKind.Audio, result.Kind);
    }

    [Fact]
    public void A_utf16_byte_order_mark_means_text_not_an_mpeg_frame()
    {
        var bytes = Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("id,name\n1,Ann\n")).ToArray();

        var result = ContentSniffer.Sniff(bytes, complete: true);

        Assert.Equal(ContentKind.Csv, result.Kind);
        Assert.IsType<UnicodeEncoding>(result.Encoding);
    }

    public static TheoryData<string, ContentKind, string, string> TextFiles => new()
    {
        { "id,name\n1,Ann\n2,Bob\n", ContentKind.Csv, "csv", "text/csv" },
        { "id;name\n1;Ann\n", ContentKind.Csv, "csv", "text/csv" },
        { "[{\"n\":1},{\"n\":2}]", ContentKind.Json, "json", "application/json" },
        { "  \n [1, 2]", ContentKind.Json, "json", "application/json" },
        { "{\n  \"n\": 1\n}\n", ContentKind.Json, "json", "application/json" },
        { "{\"n\":1}\n{\"n\":2}\n", ContentKind.Ndjson, "ndjson", "application/x-ndjson" },
        { "{\"n\":1}", ContentKind.Ndjson, "ndjson", "application/x-ndjson" },
        { "WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n", ContentKind.WebVtt, "transcription", "text/vtt" },
        { "1\n00:00:01,000 --> 00:00:02,000\nHello\n", ContentKind.Srt, "transcription", "application/x-subrip" },
        { "1\r\n00:00:01,000 --> 00:00:02,000\r\nHello\r\n", ContentKind.Srt, "transcription", "application/x-subrip" },
        { "Dear Ann,\nthank you for the letter.\nIt came today, with the rain, as always.\n", ContentKind.Text, "transcription", "text/plain" },
        { "1\nnot a timing line\n", ContentKind.Text, "transcription", "text/plain" },
        { "1\n00:00:01,000 --> 00:00:02,000", ContentKind.Srt, "transcription", "application/x-subrip" },
        { "42", ContentKind.Text, "transcription", "text/plain" },
        { "   \n\t \n", ContentKind.Text, "transcription", "text/plain" },
        { "a€ costs more than a $\n", ContentKind.Text, "transcription", "text/plain" },
        { "xxxxxxxxWAVE is a word here\n", ContentKind.Text, "transcription", "text/plain" },
    };

    [Theory]
    [MemberData(nameof(TextFiles))]
    public void Text_is_told_apart_by_its_content(string text, ContentKind kind, string jobType, string contentType)
    {
        var result = ContentSniffer.Sniff(Encoding.UTF8.GetBytes(text), complete: true);

        Assert.Equal((kind, jobType, contentType), (result.Kind, result.JobType, result.ContentType));
        Assert.False(result.Gzip);
        Assert.Null(result.Reason);
        Assert.Equal(kind is ContentKind.Csv or ContentKind.Json or ContentKind.Ndjson, result.IsLoadable);
    }

    [Fact]
    public void A_gzipped_file_is_sniffed_by_what_it_holds()
    {
        var result = ContentSniffer.Sniff(Gzip("id,name\n1,Ann\n2,Bob\n"u8.ToArray()), complete: true);

        Assert.Equal((ContentKind.Csv, true, "csv"), (result.Kind, result.Gzip, result.JobType));
    }

    [Fact]
    public void A_gzip_head_cut_mid_stream_is_still_sniffed_from_what_it_decompresses()
    {
        var lines = string.Concat(Enumerable.Range(0, 20_000).Select(i => $"{i},name {i},{i * 7 % 13}\n"));
        var whole = Gzip(Encoding.UTF8.GetBytes("id,name,score\n" + lines));
        var head = whole[..Math.Min(whole.Length / 2, ContentSniffer.HeadBytes)];

        var result = ContentSniffer.Sniff(head, complete: false);

        Assert.Equal((ContentKind.Csv, true), (result.Kind, result.Gzip));
    }

    [Fact]
    public void A_multibyte_character_cut_at_the_end_of_a_partial_head_is_not_binary()
    {
        var bytes = Encoding.UTF8.GetBytes("id,name\n1,Zoë\n2,Zoë");
        var cut = bytes[..^1]; // half of the last ë

        Assert.Equal(ContentKind.Csv, ContentSniffer.Sniff(cut, complete: false).Kind);
        Assert.Equal(ContentKind.Refused, ContentSniffer.Sniff(cut, complete: true).Kind);
    }

    [Fact]
    public void Only_complete_lines_of_a_partial_sample_are_sampled()
    {
        Assert.Equal(["a", "b"], ContentSniffer.LineSample("a\r\n\n  \nb\nc", complete: false));
        Assert.Equal(["a", "b", "c"], ContentSniffer.LineSample("a\r\n\n  \nb\nc", complete: true));
        Assert.Equal(["only"], ContentSniffer.LineSample("only", complete: false));
        Assert.Equal(["a", "b"], ContentSniffer.LineSample("a\nb\nc\nd\n", complete: true, max: 2));
    }
}
