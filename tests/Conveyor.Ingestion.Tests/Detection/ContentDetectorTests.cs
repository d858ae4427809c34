using System.Text;
using System.Text.Json;
using Conveyor.Ingestion.Detection;

namespace Conveyor.Ingestion.Tests.Detection;

public sealed class ContentDetectorTests
{
    private static DetectionResult Detect(byte[] bytes, bool complete = true)
    {
        var (_, detection) = ContentDetector.Detect(bytes, complete);
        return detection ?? throw new InvalidOperationException("refused");
    }

    private static DetectionResult Detect(string text) => Detect(Encoding.UTF8.GetBytes(text));

    private static string[] Columns(DetectionResult d) => [.. d.Columns.Select(c => $"{c.Name}:{c.Type}")];

    private static string[] Samples(DetectionResult d) => [.. d.SampleRows.Select(r => r.GetRawText())];

    [Fact]
    public void A_csv_with_a_header_reports_its_dialect_columns_types_and_first_rows()
    {
        var d = Detect("id,name,score,active,joined,seen\n" +
                       "1,Ann,3.5,true,2026-01-02,2026-01-02T10:00:00Z\n" +
                       "2,Bob,4,false,2026-01-03,2026-01-03 11:30\n");

        Assert.Equal(("csv", "text/csv", ",", "\"", (bool?)true), (d.Type, d.MimeType, d.Delimiter, d.Quote, d.HasHeader));
        Assert.Equal(["id:integer", "name:string", "score:number", "active:boolean", "joined:date", "seen:datetime"], Columns(d));
        Assert.Equal(1.0, d.Confidence);
        Assert.Equal(
        [
            """{"id":"1","name":"Ann","score":"3.5","active":"true","joined":"2026-01-02","seen":"2026-01-02T10:00:00Z"}""",
            """{"id":"2","name":"Bob","score":"4","active":"false","joined":"2026-01-03","seen":"2026-01-03 11:30"}""",
        ], Samples(d));
        Assert.Equal(("utf-8", false, false), (d.Encoding, d.Bom, d.Gzip));
    }

    [Fact]
    public void A_headerless_csv_says_has_header_false_and_names_its_columns_column_N()
    {
        var d = Detect("1,Ann,3.5\n2,Bob,4\n3,Cy,5\n");

        Assert.Equal(false, d.HasHeader);
        Assert.Equal(["column_1:integer", "column_2:string", "column_3:number"], Columns(d));
        Assert.Equal("""{"column_1":"1","column_2":"Ann","column_3":"3.5"}""", Samples(d)[0]);
        Assert.Equal(3, d.SampleRows.Count);
    }

    [Theory]
    [InlineData(';')]
    [InlineData('\t')]
    [InlineData('|')]
    public void Each_delimiter_is_reported_as_found(char delimiter)
    {
        var d = Detect($"a{delimiter}b\n1{delimiter}x\n2{delimiter}y\n");

        Assert.Equal((delimiter.ToString(), (bool?)true), (d.Delimiter, d.HasHeader));
        Assert.Equal(["a:integer", "b:string"], Columns(d));
    }

    [Fact]
    public void Samples_are_the_first_five_data_rows()
    {
        var d = Detect("n,m\n" + string.Concat(Enumerable.Range(1, 9).Select(i => $"{i},x\n")));

        Assert.Equal(ContentDetector.SampleRows, d.SampleRows.Count);
        Assert.Equal("""{"n":"1","m":"x"}""", Samples(d)[0]);
        Assert.Equal("""{"n":"5","m":"x"}""", Samples(d)[^1]);
    }

    [Fact]
    public void A_ragged_csv_has_a_lower_confidence_and_pads_short_rows()
    {
        var d = Detect("a,b,c\n1,2,3\n4,5,6\n7,8,9\n10,11\n");

        Assert.Equal(("csv", 0.8), (d.Type, d.Confidence));
        Assert.Equal(["a:integer", "b:integer", "c:integer"], Columns(d)); // the missing cell is empty, not text
        Assert.Equal("""{"a":"10","b":"11","c":""}""", Samples(d)[^1]);
    }

    [Fact]
    public void A_byte_order_mark_is_reported_and_not_part_of_the_first_column()
    {
        var d = Detect(RecordingSink.Utf8("id,name\n1,Ann\n", bom: true));

        Assert.Equal(("utf-8-bom", true), (d.Encoding, d.Bom));
        Assert.Equal(["id:integer", "name:string"], Columns(d));
    }

    [Theory]
    [InlineData(false, "utf-16le")]
    [InlineData(true, "utf-16be")]
    public void Utf16_text_is_reported_with_its_byte_order(bool bigEndian, string name)
    {
        var encoding = new UnicodeEncoding(bigEndian, byteOrderMark: true);
        var d = Detect([.. encoding.GetPreamble(), .. encoding.GetBytes("id,name\n1,Zoë\n")]);

        Assert.Equal((name, true, "csv"), (d.Encoding, d.Bom, d.Type));
        Assert.Equal("""{"id":"1","name":"Zo\u00EB"}""", Samples(d)[0]);
    }

    [Fact]
    public void A_gzipped_csv_is_detected_inside_its_gzip()
    {
        var d = Detect(ContentSnifferTests.Gzip("id,name\n1,Ann\n"u8.ToArray()));

        Assert.Equal(("csv", true, "utf-8"), (d.Type, d.Gzip, d.Encoding));
        Assert.Equal(["id:integer", "name:string"], Columns(d));
    }

    [Fact]
    public void A_json_array_reports_the_union_of_its_object_keys_with_their_types()
    {
        var d = Detect("""
            [
              {"id": 1, "name": "Ann", "score": 3, "tags": ["a"], "address": {"city": "Oslo"}, "note": null, "ok": true},
              {"id": 2, "name": "Bob", "score": 4.5, "tags": [], "note": "late", "ok": "yes", "extra": 1}
            ]
            """);

        Assert.Equal(("json", "application/json", (string?)null, (bool?)null), (d.Type, d.MimeType, d.Delimiter, d.HasHeader));
        Assert.Equal(["id:integer", "name:string", "score:number", "tags:array", "address:object", "note:string", "ok:mixed", "extra:integer"], Columns(d));
        Assert.Equal(1.0, d.Confidence);
        Assert.Equal(2, d.SampleRows.Count);
        Assert.Equal("Oslo", d.SampleRows[0].GetProperty("address").GetProperty("city").GetString());
    }

    [Fact]
    public void A_later_null_does_not_change_a_column_type_and_integers_widen_to_number()
    {
        var d = Detect("""[{"a": 1.5, "b": "x"}, {"a": 2, "b": null}, {"a": null, "b": "y"}]""");

        Assert.Equal(["a:number", "b:string"], Columns(d));
    }

    [Fact]
    public void Elements_that_are_not_objects_lower_the_confidence_and_are_not_samples()
    {
        var d = Detect("""[{"a": 1}, 2, "three", {"a": 4}]""");

        Assert.Equal(0.5, d.Confidence);
        Assert.Equal(["""{"a": 1}""", """{"a": 4}"""], Samples(d));
    }

    [Fact]
    public void An_empty_array_is_json_with_no_columns_and_half_confidence()
    {
        var d = Detect("[]");

        Assert.Equal(("json", 0.5), (d.Type, d.Confidence));
        Assert.Empty(d.Columns);
    }

    [Fact]
    public void A_json_sample_cut_mid_element_keeps_the_elements_before_the_cut()
    {
        var text = "[" + string.Join(",", Enumerable.Range(1, 3).Select(i => $"{{\"n\":{i}}}")) + ",{\"n\":4, \"cut";

        var d = Detect(Encoding.UTF8.GetBytes(text), complete: false);

        Assert.Equal(["n:integer"], Columns(d));
        Assert.Equal(3, d.SampleRows.Count);
    }

    [Fact]
    public void Ndjson_reports_its_keys_and_its_bad_lines_lower_the_confidence()
    {
        var d = Detect("{\"id\":1,\"v\":\"a\"}\n\n{\"id\":2,\"v\":\"b\"}\nnot json\n[1]\n");

        Assert.Equal(("ndjson", "application/x-ndjson"), (d.Type, d.MimeType));
        Assert.Equal(["id:integer", "v:string"], Columns(d));
        Assert.Equal(0.5, d.Confidence); // 2 objects of 4 non-blank lines
        Assert.Equal(2, d.SampleRows.Count);
    }

    [Fact]
    public void A_row_with_a_lone_surrogate_is_left_out_of_the_samples()
    {
        var d = Detect("[{\"n\":\"\\ud800\"},{\"n\":\"ok\"}]");

        Assert.Equal(["""{"n":"ok"}"""], Samples(d));
        Assert.Equal(1.0, d.Confidence);
    }

    [Fact]
    public void Audio_has_no_text_encoding_and_no_columns()
    {
        var (sniff, d) = ContentDetector.Detect([.. "fLaC\x00\x00\x00\x22"u8.ToArray()], complete: true);

        Assert.Equal(ContentKind.Audio, sniff.Kind);
        Assert.Equal(("audio", "audio/flac", (string?)null, false), (d!.Type, d.MimeType, d.Encoding, d.Bom));
        Assert.Empty(d.Columns);
        Assert.Equal(1.0, d.Confidence);
    }

    [Fact]
    public void Plain_text_and_captions_are_reported_without_a_dialect()
    {
        var text = Detect("Hello there.\nThis is a note.\n");
        var vtt = Detect("WEBVTT\n\n00:00.000 --> 00:01.000\nHi\n");

        Assert.Equal(("text", "text/plain", "utf-8", (string?)null), (text.Type, text.MimeType, text.Encoding, text.Delimiter));
        Assert.Equal(("webvtt", "text/vtt"), (vtt.Type, vtt.MimeType));
        Assert.Empty(text.SampleRows);
    }

    [Fact]
    public void A_refused_file_has_no_detection()
    {
        var (sniff, detection) = ContentDetector.Detect("MZ\x90\x00"u8, complete: true);

        Assert.Equal(ContentKind.Refused, sniff.Kind);
        Assert.Null(detection);
    }

    [Fact]
    public void A_detection_round_trips_through_its_snake_case_json()
    {
        var d = Detect("id,name\n1,Ann\n");

        var json = d.ToJson();
        var back = DetectionResult.FromJson(json)!;

        Assert.Contains("\"has_header\":true", json);
        Assert.Contains("\"sample_rows\":[{\"id\":\"1\",\"name\":\"Ann\"}]", json);
        Assert.Equal((d.Type, d.Delimiter, d.HasHeader, d.Confidence), (back.Type, back.Delimiter, back.HasHeader, back.Confidence));
        Assert.Equal(d.Columns, back.Columns);
        Assert.Equal(JsonValueKind.Object, back.SampleRows[0].ValueKind);
    }

    [Fact]
    public void Audio_bytes_that_happen_to_be_text_still_report_no_encoding()
    {
        var (_, d) = ContentDetector.Detect("fLaC and then some text"u8, complete: true);

        Assert.Equal(("audio", (string?)null), (d!.Type, d.Encoding));
    }

    [Fact]
    public void A_pretty_printed_object_is_json_with_no_rows_to_sample()
    {
        var d = Detect("{\n  \"id\": 1,\n  \"name\": \"Ann\"\n}\n");

        Assert.Equal(("json", 0.5), (d.Type, d.Confidence));
        Assert.Empty(d.Columns);
        Assert.Empty(d.SampleRows);
    }

    [Fact]
    public void A_json_array_is_sampled_to_its_first_200_elements()
    {
        var elements = Enumerable.Range(1, 250).Select(i => i <= 200 ? $"{{\"n\":{i}}}" : $"{{\"n\":{i},\"late\":true}}");

        var d = Detect("[" + string.Join(",", elements) + "]");

        Assert.Equal(["n:integer"], Columns(d));
        Assert.Equal(ContentDetector.SampleRows, d.SampleRows.Count);
    }

    [Fact]
    public void A_key_that_is_only_ever_null_has_the_type_null()
    {
        var d = Detect("""[{"a": null, "b": 1, "c": true}, {"a": null, "b": 2, "c": false}]""");

        Assert.Equal(["a:null", "b:integer", "c:boolean"], Columns(d));
    }
}
