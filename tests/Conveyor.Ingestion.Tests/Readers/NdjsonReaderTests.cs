using System.Text;
using System.Text.Json;
using Conveyor.Ingestion.Readers;

namespace Conveyor.Ingestion.Tests.Readers;

public sealed class NdjsonReaderTests
{
    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    public async Task Each_line_is_one_row_as_its_own_json_text(string newline)
    {
        var sink = await Read.Ndjson("{\"n\":1,\"s\":\"a\"}" + newline + "{\"n\":2,\"s\":\"b\"}" + newline);

        Assert.Equal(["{\"n\":1,\"s\":\"a\"}", "{\"n\":2,\"s\":\"b\"}"], sink.Rows);
        Assert.Null(sink.Columns);
        Assert.Empty(sink.Failures);
    }

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    public async Task The_last_line_counts_without_a_trailing_newline(string newline)
    {
        var sink = await Read.Ndjson("{\"n\":1}" + newline + "{\"n\":2}");

        Assert.Equal(["{\"n\":1}", "{\"n\":2}"], sink.Rows);
    }

    [Fact]
    public async Task A_single_line_without_a_newline_is_one_row()
    {
        var sink = await Read.Ndjson("{\"only\":true}");

        Assert.Equal(["{\"only\":true}"], sink.Rows);
    }

    [Fact]
    public async Task Blank_lines_are_skipped_and_still_counted_in_line_numbers()
    {
        var sink = await Read.Ndjson("\n{\"n\":1}\n\n  \t \n\r\n{\"n\":2}\nnope\n\n");

        Assert.Equal(["{\"n\":1}", "{\"n\":2}"], sink.Rows);
        Assert.Equal([(7L, "The line is not well-formed JSON.")], sink.Failures);
    }

    [Fact]
    public async Task A_bad_line_is_a_failure_with_its_line_number_and_reading_goes_on()
    {
        var sink = await Read.Ndjson("{\"n\":1}\n[1,2]\n{\"n\":2} {\"n\":3}\n\"text\"\n{\"n\":\n{\"n\":4}\n");

        Assert.Equal(["{\"n\":1}", "{\"n\":4}"], sink.Rows);
        Assert.Equal(
        [
            (2L, "The line is not a JSON object."),
            (3L, "The line holds more than one JSON value."),
            (4L, "The line is not a JSON object."),
            (5L, "The line is not well-formed JSON."),
        ], sink.Failures);
    }

    [Fact]
    public async Task A_byte_order_mark_before_the_first_line_is_not_part_of_it()
    {
        var sink = await Read.Ndjson(RecordingSink.Utf8("{\"n\":1}\n{\"n\":2}\n", bom: true));

        Assert.Equal(["{\"n\":1}", "{\"n\":2}"], sink.Rows);
        Assert.Empty(sink.Failures);
    }

    [Fact]
    public async Task A_byte_order_mark_is_only_stripped_from_the_start_of_the_file()
    {
        var sink = await Read.Ndjson(RecordingSink.Utf8("{\"n\":1}\n\ufeff{\"n\":2}\n"));

        Assert.Equal(["{\"n\":1}"], sink.Rows);
        Assert.Equal([2L], sink.FailedLines());
    }

    [Fact]
    public async Task A_file_larger_than_the_read_buffer_keeps_every_line()
    {
        var text = new StringBuilder();
        for (var i = 1; i <= 5000; i++) text.Append(i == 4000 ? "broken\n" : $"{{\"n\":{i},\"pad\":\"a row of a file larger than one read\"}}\n");
        text.Append("{\"n\":\"last\"}"); // and no newline after it
        Assert.True(text.Length > 1 << 18);

        var sink = await Read.Ndjson(text.ToString());

        Assert.Equal(5000, sink.Rows.Count);
        Assert.Equal("{\"n\":1,\"pad\":\"a row of a file larger than one read\"}", sink.Rows[0]);
        Assert.Equal("{\"n\":5000,\"pad\":\"a row of a file larger than one read\"}", sink.Rows[^2]);
        Assert.Equal("{\"n\":\"last\"}", sink.Rows[^1]);
        Assert.Equal([4000L], sink.FailedLines());
    }

    [Fact]
    public async Task A_line_longer_than_the_read_buffer_grows_it_and_reads_back_whole()
    {
        var value = new string('x', 200_000) + "é\\\"";
        var line = JsonSerializer.Serialize(new { v = value });

        var sink = await Read.Ndjson("{\"n\":1}\n" + line + "\n{\"n\":2}\n");

        Assert.Equal(3, sink.Rows.Count);
        Assert.Equal(value, JsonDocument.Parse(sink.Rows[1]).RootElement.GetProperty("v").GetString());
        Assert.Equal("{\"n\":2}", sink.Rows[2]);
    }

    [Fact]
    public async Task Rows_over_a_kilobyte_read_back_whole_after_short_ones()
    {
        var rows = new[] { "{\"a\":1}", JsonSerializer.Serialize(new { big = new string('ü', 1500) }), JsonSerializer.Serialize(new { big = new string('z', 5000) }), "{\"b\":2}" };

        var sink = await Read.Ndjson(string.Join("\n", rows));

        Assert.Equal(rows, sink.Rows);
    }

    [Fact]
    public async Task A_line_over_the_element_limit_is_refused_with_its_line_number()
    {
        var huge = new byte[JsonRecordReader.MaxElementBytes + 10];
        Array.Fill(huge, (byte)' ');
        var bytes = RecordingSink.Utf8("{\"n\":1}\n").Concat(huge).ToArray();

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => Read.Ndjson(bytes));

        Assert.Equal($"Line 2 is longer than {JsonRecordReader.MaxElementBytes} bytes.", error.Message);
    }

    [Fact]
    public async Task Nested_objects_and_arrays_stay_one_row()
    {
        const string line = "{\"a\":{\"b\":[1,{\"c\":null}],\"d\":\"x\\ny\"},\"e\":[]}";

        var sink = await Read.Ndjson(line + "\n");

        Assert.Equal([line], sink.Rows);
    }

    [Fact]
    public async Task An_empty_file_has_no_rows()
    {
        var sink = await Read.Ndjson("");

        Assert.Empty(sink.Rows);
        Assert.Empty(sink.Failures);
    }

    [Theory]
    [InlineData("{}", null)]
    [InlineData(" {\"a\":1} ", null)]
    [InlineData("", "The line holds no JSON value.")]
    [InlineData("42", "The line is not a JSON object.")]
    [InlineData("{} {}", "The line holds more than one JSON value.")]
    [InlineData("{\"a\":}", "The line is not well-formed JSON.")]
    [InlineData("{\"a\":1", "The line is not well-formed JSON.")]
    public void ValidateObject_says_why_a_line_is_not_one_object(string line, string? reason)
    {
        Assert.Equal(reason, JsonRecordReader.ValidateObject(Encoding.UTF8.GetBytes(line)));
    }

    [Fact]
    public async Task A_file_larger_than_the_element_limit_loads_line_by_line_even_after_a_blank_first_line()
    {
        // Past 16 MiB in all: the reader must keep moving its window, never hold the file.
        var line = JsonSerializer.Serialize(new { pad = new string('p', 1000) });
        var count = JsonRecordReader.MaxElementBytes / line.Length + 500;
        var text = new StringBuilder("\n", count * (line.Length + 1) + 1);
        for (var i = 0; i < count; i++) text.Append(line).Append('\n');

        var sink = new RecordingSink();
        await JsonRecordReader.ReadNdjsonAsync(new MemoryStream(Encoding.UTF8.GetBytes(text.ToString())), sink, CancellationToken.None);

        Assert.Equal(count, sink.Rows.Count);
        Assert.Empty(sink.Failures);
    }
}
