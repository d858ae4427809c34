using System.Text;

namespace Conveyor.Ingestion.Tests.Readers;

public sealed class CsvRecordReaderTests
{
    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    public async Task A_header_names_the_columns_and_each_later_line_is_a_row(string newline)
    {
        var sink = await Read.Csv(string.Join(newline, "id,name,city", "1,Ann,Oslo", "2,Bob,Rome") + newline);

        Assert.Equal(["id", "name", "city"], sink.Columns);
        Assert.Equal([["1", "Ann", "Oslo"], ["2", "Bob", "Rome"]], sink.Values());
        Assert.Empty(sink.Failures);
    }

    [Fact]
    public async Task The_last_row_counts_without_a_trailing_newline()
    {
        var sink = await Read.Csv("a,b\n1,2\n3,4");

        Assert.Equal([["1", "2"], ["3", "4"]], sink.Values());
    }

    [Fact]
    public async Task Without_a_header_the_first_line_is_data_and_the_columns_are_column_N()
    {
        var sink = await Read.Csv("1,2,3\n4,5,6\n", hasHeader: false);

        Assert.Equal(["column_1", "column_2", "column_3"], sink.Columns);
        Assert.Equal([["1", "2", "3"], ["4", "5", "6"]], sink.Values());
    }

    [Fact]
    public async Task Blank_and_repeated_header_cells_get_usable_unique_names()
    {
        var sink = await Read.Csv("name, ,name,\" Name \",name\nA,B,C,D,E\n");

        Assert.Equal(["name", "column_2", "name_2", "Name", "name_3"], sink.Columns);
        Assert.Equal([["A", "B", "C", "D", "E"]], sink.Values());
    }

    [Fact]
    public async Task A_one_column_file_keeps_every_row()
    {
        var sink = await Read.Csv("email\na@example.com\nb@example.com\n\nc@example.com\n");

        Assert.Equal(["email"], sink.Columns);
        Assert.Equal([["a@example.com"], ["b@example.com"], ["c@example.com"]], sink.Values());
        Assert.Empty(sink.Failures);
    }

    [Fact]
    public async Task A_one_column_headerless_file_keeps_every_row()
    {
        var sink = await Read.Csv("x\ny\n", hasHeader: false);

        Assert.Equal(["column_1"], sink.Columns);
        Assert.Equal([["x"], ["y"]], sink.Values());
    }

    [Fact]
    public async Task Blank_lines_are_skipped_but_still_counted_in_line_numbers()
    {
        var sink = await Read.Csv("a,b,c\n\n1,2,3\n   \n\n4,5\n6,7,8\n");

        Assert.Equal([["1", "2", "3"], ["6", "7", "8"]], sink.Values());
        Assert.Equal([(6L, "Expected 3 fields, found 2.")], sink.Failures);
    }

    [Fact]
    public async Task A_ragged_row_fails_with_its_line_number_and_the_rest_still_load()
    {
        var sink = await Read.Csv("a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n");

        Assert.Equal([["1", "2", "3"], ["10", "11", "12"]], sink.Values());
        Assert.Equal([(3L, "Expected 3 fields, found 2."), (4L, "Expected 3 fields, found 4.")], sink.Failures);
    }

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    public async Task A_quoted_newline_stays_in_its_value_and_later_line_numbers_count_it(string newline)
    {
        var text = string.Join(newline, "id,note", "1,\"two" + newline + "lines\"", "2,\"three" + newline + newline + "lines\"", "3", "4,ok") + newline;

        var sink = await Read.Csv(text);

        Assert.Equal([["1", "two" + newline + "lines"], ["2", "three" + newline + newline + "lines"], ["4", "ok"]], sink.Values());
        Assert.Equal([7L], sink.FailedLines()); // the quoted values span lines 2-3 and 4-6, so "3" is line 7
    }

    [Fact]
    public async Task Quotes_delimiters_backslashes_and_tabs_inside_values_read_back_unchanged()
    {
        var sink = await Read.Csv("path,note\n\"C:\\data\\x\",\"say \"\"hi\"\", then\tgo\"\n");

        Assert.Equal([["C:\\data\\x", "say \"hi\", then\tgo"]], sink.Values());
    }

    [Theory]
    [InlineData(',')]
    [InlineData(';')]
    [InlineData('\t')]
    [InlineData('|')]
    public async Task Every_delimiter_splits_fields_and_leaves_the_others_in_values(char delimiter)
    {
        var others = string.Concat(new[] { ',', ';', '\t', '|' }.Where(d => d != delimiter));
        var text = $"a{delimiter}b\n1{others}{delimiter}2\n";

        var sink = await Read.Csv(text, delimiter);

        Assert.Equal(["a", "b"], sink.Columns);
        Assert.Equal([["1" + others, "2"]], sink.Values());
    }

    [Fact]
    public async Task A_byte_order_mark_is_not_part_of_the_first_column_name()
    {
        var sink = await Read.Csv(RecordingSink.Utf8("id,name\n1,Ann\n", bom: true));

        Assert.Equal(["id", "name"], sink.Columns);
        Assert.Equal([["1", "Ann"]], sink.Values());
    }

    [Fact]
    public async Task UTF_16_text_with_its_byte_order_mark_reads_as_text()
    {
        var bytes = Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("id,name\n1,Zoë\n")).ToArray();

        var sink = await Read.Csv(bytes);

        Assert.Equal(["id", "name"], sink.Columns);
        Assert.Equal([["1", "Zoë"]], sink.Values());
    }

    [Fact]
    public async Task A_file_larger_than_the_read_buffer_keeps_every_row_and_line_number()
    {
        var text = new StringBuilder("n,text\n");
        for (var i = 1; i <= 5000; i++) text.Append(i == 4321 ? "4321\n" : $"{i},\"row {i} of a file larger than one read\"\n");
        Assert.True(text.Length > 1 << 17);

        var sink = await Read.Csv(text.ToString());

        Assert.Equal(4999, sink.Rows.Count);
        Assert.Equal(["5000", "row 5000 of a file larger than one read"], sink.Values()[^1]);
        Assert.Equal([4322L], sink.FailedLines());
    }

    [Fact]
    public async Task A_value_over_a_kilobyte_reads_back_whole()
    {
        var big = string.Concat(Enumerable.Range(0, 700).Select(i => $"{i % 10}\"\\"));
        var quoted = "\"" + big.Replace("\"", "\"\"") + "\"";

        var sink = await Read.Csv($"a,b\n{quoted},x\n");

        Assert.Equal([[big, "x"]], sink.Values());
    }

    [Fact]
    public async Task A_header_only_file_declares_its_columns_and_has_no_rows()
    {
        var sink = await Read.Csv("a,b,c\n");

        Assert.Equal(["a", "b", "c"], sink.Columns);
        Assert.Empty(sink.Rows);
        Assert.Empty(sink.Failures);
    }

    [Fact]
    public async Task An_empty_file_declares_nothing()
    {
        var sink = await Read.Csv("");

        Assert.Null(sink.Columns);
        Assert.Empty(sink.Rows);
    }

    [Fact]
    public async Task Empty_fields_are_empty_strings()
    {
        var sink = await Read.Csv("a,b,c\n,,\n1,,3\n");

        Assert.Equal([["", "", ""], ["1", "", "3"]], sink.Values());
    }

    [Fact]
    public async Task A_record_larger_than_the_read_buffer_reads_back_whole()
    {
        var big = new string('v', 300_000);

        var sink = await Read.Csv($"a,b\n1,\"{big}\"\n2,x\n");

        Assert.Equal([["1", big], ["2", "x"]], sink.Values());
    }

    [Fact]
    public async Task A_malformed_quoted_field_stops_the_read_with_its_line()
    {
        var sink = new RecordingSink();

        var error = await Assert.ThrowsAsync<InvalidDataException>(() =>
            Conveyor.Ingestion.Readers.CsvRecordReader.ReadAsync(new MemoryStream(RecordingSink.Utf8("a,b\n1,2\n3,\"x\"y\n4,5\n")), ',', '"', true, sink, CancellationToken.None));

        Assert.StartsWith("Malformed CSV near line 3: ", error.Message);
        Assert.Equal([["1", "2"]], sink.Values());
    }
}
