using System.Text.Json;
using Conveyor.Ingestion.Readers;

namespace Conveyor.Ingestion.Tests.Readers;

public sealed class CsvRowJsonTests
{
    public static TheoryData<string[]?, int, string[]> Headers => new()
    {
        { ["id", "name"], 2, ["id", "name"] },
        { [" id ", "\tname"], 2, ["id", "name"] },
        { ["", " ", "x"], 3, ["column_1", "column_2", "x"] },
        { ["a", "a", "a"], 3, ["a", "a_2", "a_3"] },
        { ["a", "a", "a_2"], 3, ["a", "a_2", "a_2_2"] },
        { ["column_2", ""], 2, ["column_2", "column_2_2"] },
        { ["A", "a"], 2, ["A", "a"] },
        { ["a"], 3, ["a", "column_2", "column_3"] },
        { ["a", "b", "c"], 1, ["a", "b", "c"] },
        { null, 3, ["column_1", "column_2", "column_3"] },
        { null, 0, [] },
    };

    [Theory]
    [MemberData(nameof(Headers))]
    public void Column_names_come_from_the_header_made_unique_and_non_blank(string[]? header, int fields, string[] expected)
    {
        Assert.Equal(expected, CsvRowJson.ColumnNames(header, fields));
    }

    public static TheoryData<string, string> Escapes => new()
    {
        { "plain", "\"plain\"" },
        { "", "\"\"" },
        { "say \"hi\"", "\"say \\\"hi\\\"\"" },
        { "C:\\data\\x", "\"C:\\\\data\\\\x\"" },
        { "a\nb", "\"a\\nb\"" },
        { "a\r\nb", "\"a\\r\\nb\"" },
        { "a\tb", "\"a\\tb\"" },
        { "\0\u0001\u001f", "\"\\u0000\\u0001\\u001f\"" },
        { "\u007f é ü 😀", "\"\u007f é ü 😀\"" },
        { "\\\"\n\\", "\"\\\\\\\"\\n\\\\\"" },
    };

    [Theory]
    [MemberData(nameof(Escapes))]
    public void A_value_is_written_as_a_json_string_that_reads_back_unchanged(string value, string json)
    {
        var row = new CsvRowJson(1).Build([value]);

        Assert.Equal($"[{json}]", row);
        Assert.Equal([value], JsonSerializer.Deserialize<string[]>(row)!);
    }

    [Fact]
    public void Missing_fields_are_empty_strings_and_extra_ones_are_dropped()
    {
        var writer = new CsvRowJson(3);

        Assert.Equal("[\"a\",\"\",\"\"]", writer.Build(["a"]));
        Assert.Equal("[\"a\",\"b\",\"c\"]", writer.Build(["a", "b", "c", "d"]));
    }

    [Fact]
    public void Each_row_starts_afresh()
    {
        var writer = new CsvRowJson(2);
        writer.Build(["a long first value", "and another"]);

        Assert.Equal("[\"x\",\"y\"]", writer.Build(["x", "y"]));
    }

    [Fact]
    public void Rows_longer_than_the_buffer_grow_it_whether_by_one_big_value_or_many_small_ones()
    {
        var big = string.Concat(Enumerable.Repeat("a\"b\\c\n", 1000));
        var many = Enumerable.Range(0, 600).Select(i => i.ToString()).ToArray();
        var writer = new CsvRowJson(many.Length);

        var small = writer.Build(many);
        var one = new CsvRowJson(2).Build(["x", big]);

        Assert.Equal(many, JsonSerializer.Deserialize<string[]>(small));
        Assert.Equal(["x", big], JsonSerializer.Deserialize<string[]>(one)!);
        Assert.Equal(many, JsonSerializer.Deserialize<string[]>(writer.Build(many))); // and reuse the grown buffer
    }

    [Fact]
    public void Count_is_the_number_of_columns()
    {
        Assert.Equal(4, new CsvRowJson(4).Count);
    }

    [Fact]
    public void One_plain_value_longer_than_twice_the_buffer_reads_back_whole()
    {
        var plain = new string('x', 5000);

        Assert.Equal($"[\"{plain}\"]", new CsvRowJson(1).Build([plain]));
    }
}
