using System.Text;
using System.Text.Json;
using Conveyor.Ingestion.Readers;

namespace Conveyor.Ingestion.Tests.Readers;

public sealed class JsonArrayReaderTests
{
    [Fact]
    public async Task Each_object_of_the_array_is_one_row_as_its_own_json_text()
    {
        var sink = await Read.JsonArray("[{\"n\":1},{\"n\":2}, {\"n\":3}]");

        Assert.Equal(["{\"n\":1}", "{\"n\":2}", "{\"n\":3}"], sink.Rows);
        Assert.Null(sink.Columns);
        Assert.Empty(sink.Failures);
    }

    [Fact]
    public async Task Nested_objects_and_arrays_stay_inside_their_row()
    {
        const string first = "{\"a\":{\"b\":[1,{\"c\":[]}]},\"s\":\"]},{\"}";
        const string second = "{\"list\":[{\"x\":1},{\"x\":2}]}";

        var sink = await Read.JsonArray($"[\n  {first},\n  {second}\n]\n");

        Assert.Equal([first, second], sink.Rows);
    }

    [Fact]
    public async Task An_element_that_is_not_an_object_is_a_failure_on_its_line()
    {
        var sink = await Read.JsonArray("[\n{\"n\":1},\n42,\n\"text\",\n\n[1,\n2],\n{\"n\":2}, null\n]");

        Assert.Equal(["{\"n\":1}", "{\"n\":2}"], sink.Rows);
        Assert.Equal([3L, 4L, 6L, 8L], sink.FailedLines());
        Assert.All(sink.Failures, f => Assert.Equal("The element is not a JSON object.", f.Reason));
    }

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    public async Task Line_numbers_stay_right_past_the_read_buffer(string newline)
    {
        var text = new StringBuilder("[" + newline);
        for (var i = 1; i <= 4000; i++)
        {
            text.Append(i == 3500 ? "false" : $"{{\"n\":{i},\"pad\":\"an element of an array larger than one read\"}}");
            text.Append(i < 4000 ? "," + newline : newline);
        }
        text.Append(']');
        Assert.True(text.Length > 1 << 17);

        var sink = await Read.JsonArray(text.ToString());

        Assert.Equal(3999, sink.Rows.Count);
        Assert.Equal("{\"n\":4000,\"pad\":\"an element of an array larger than one read\"}", sink.Rows[^1]);
        Assert.Equal([3501L], sink.FailedLines()); // element i is on line i + 1
    }

    [Fact]
    public async Task An_element_larger_than_the_read_buffer_grows_it_and_reads_back_whole()
    {
        var value = new string('y', 150_000) + "\\\t\"ö";
        var big = JsonSerializer.Serialize(new { v = value });

        var sink = await Read.JsonArray($"[{{\"n\":1}},{big},{{\"n\":2}}]");

        Assert.Equal(3, sink.Rows.Count);
        Assert.Equal(value, JsonDocument.Parse(sink.Rows[1]).RootElement.GetProperty("v").GetString());
        Assert.Equal("{\"n\":2}", sink.Rows[2]);
    }

    [Fact]
    public async Task Rows_over_a_kilobyte_read_back_whole_after_short_ones()
    {
        var rows = new[] { "{\"a\":1}", JsonSerializer.Serialize(new { big = new string('ü', 1500) }), JsonSerializer.Serialize(new { big = new string('z', 5000) }), "{\"b\":2}" };

        var sink = await Read.JsonArray("[" + string.Join(",", rows) + "]");

        Assert.Equal(rows, sink.Rows);
    }

    [Fact]
    public async Task A_byte_order_mark_before_the_array_is_skipped()
    {
        var sink = await Read.JsonArray(RecordingSink.Utf8("[{\"n\":1},\n7]", bom: true));

        Assert.Equal(["{\"n\":1}"], sink.Rows);
        Assert.Equal([2L], sink.FailedLines());
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("  [ ]  \n")]
    [InlineData("\n\n[\n]\n\n")]
    public async Task An_empty_array_has_no_rows(string text)
    {
        var sink = await Read.JsonArray(text);

        Assert.Empty(sink.Rows);
        Assert.Empty(sink.Failures);
    }

    [Theory]
    [InlineData("{\"n\":1}", "The body is not a JSON array.")]
    [InlineData("42", "The body is not a JSON array.")]
    [InlineData("[{\"n\":1}] {\"n\":2}", "Data follows the end of the JSON array.")]
    [InlineData("[{\"n\":1}] ]", "Data follows the end of the JSON array.")]
    [InlineData("[{\"n\":1},\n{\"n\":2}", "The JSON is malformed (line 2).")]
    [InlineData("", "The JSON is malformed (line 1).")]
    [InlineData("[\n{\"n\":1},\n{\"n\":}\n]", "The JSON is malformed (line 3).")]
    public async Task A_body_that_is_not_one_well_formed_array_is_refused_with_where(string text, string message)
    {
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => Read.JsonArray(text));

        Assert.Equal(message, error.Message);
    }

    [Fact]
    public async Task Rows_before_malformed_json_are_handed_on_and_nothing_after()
    {
        var sink = new RecordingSink();

        await Assert.ThrowsAsync<InvalidDataException>(() =>
            JsonRecordReader.ReadArrayAsync(new MemoryStream(RecordingSink.Utf8("[{\"n\":1},{\"n\":2},{oops},{\"n\":3}]")), sink, CancellationToken.None));

        Assert.Equal(["{\"n\":1}", "{\"n\":2}"], sink.Rows);
    }

    [Fact]
    public async Task An_array_that_ends_early_past_the_read_buffer_says_its_last_line()
    {
        var text = "[\n" + string.Concat(Enumerable.Range(0, 3000).Select(i => $"{{\"n\":{i},\"pad\":\"enough to pass one read buffer\"}},\n"));

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => Read.JsonArray(text));

        Assert.Equal("The JSON is malformed (line 3002).", error.Message);
    }

    [Fact]
    public async Task An_array_larger_than_the_element_limit_loads_element_by_element()
    {
        var element = JsonSerializer.Serialize(new { pad = new string('p', 1000) });
        var count = JsonRecordReader.MaxElementBytes / element.Length + 500;
        var text = new StringBuilder("[\n", count * (element.Length + 2) + 4);
        for (var i = 0; i < count; i++) text.Append(element).Append(i + 1 < count ? ",\n" : "\n");
        text.Append(']');

        var sink = await Read.JsonArray(text.ToString());

        Assert.Equal(count, sink.Rows.Count);
        Assert.Empty(sink.Failures);
    }

    [Theory]
    [InlineData("[\n{\"n\":1},\n", 3)]
    [InlineData("[", 1)]
    public async Task One_element_over_the_element_limit_is_refused_with_the_line_it_starts_on(string before, int line)
    {
        // The element spans lines itself: the line reported is where it starts.
        var huge = before + "{\"big\":\n\"" + new string('b', JsonRecordReader.MaxElementBytes) + "\"}]";

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => Read.JsonArray(huge));

        Assert.Equal($"An element near line {line} is larger than {JsonRecordReader.MaxElementBytes} bytes.", error.Message);
    }

    [Fact]
    public async Task Data_after_the_array_that_arrives_in_a_later_read_is_refused_too()
    {
        // The closing bracket ends the first 64 KiB read; what follows it comes in the next one.
        var head = "[{\"n\":1}]";
        var text = head + new string(' ', (1 << 16) - head.Length) + "{\"n\":2}";

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => Read.JsonArray(text));

        Assert.Equal("Data follows the end of the JSON array.", error.Message);
    }

    [Fact]
    public async Task Whitespace_after_the_array_past_the_read_buffer_is_fine()
    {
        var head = "[{\"n\":1}]";

        var sink = await Read.JsonArray(head + new string(' ', (1 << 16) - head.Length) + "\n\r\n\t ");

        Assert.Equal(["{\"n\":1}"], sink.Rows);
    }
}
