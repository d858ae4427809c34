using Conveyor.Ingestion.Detection;

namespace Conveyor.Ingestion.Tests.Detection;

public sealed class CsvDialectDetectorTests
{
    [Theory]
    [InlineData("id,name,city\n1,Ann,Oslo\n2,Bob,Rome\n", ',', 3)]
    [InlineData("id;name;city\n1;Ann;Oslo\n2;Bob;Rome\n", ';', 3)]
    [InlineData("id\tname\tcity\n1\tAnn\tOslo\n2\tBob\tRome\n", '\t', 3)]
    [InlineData("id|name|city\n1|Ann|Oslo\n2|Bob|Rome\n", '|', 3)]
    [InlineData("id;amount\n1;3,50\n2;4,75\n3;10,00\n", ';', 2)]
    [InlineData("name,note\nAnn,\"x; y; z\"\nBob,\"a; b\"\n", ',', 2)]
    public void The_delimiter_is_the_one_that_splits_every_line_alike(string text, char delimiter, int fields)
    {
        var (found, consistency, count) = CsvDialectDetector.FindDelimiter(text, complete: true);

        Assert.Equal((delimiter, 1.0, fields), (found, consistency, count));
    }

    [Fact]
    public void On_equal_consistency_the_delimiter_that_makes_more_fields_wins()
    {
        // Both split every line alike; the semicolon makes three fields, the comma two.
        var (delimiter, _, fields) = CsvDialectDetector.FindDelimiter("a;b,c;d\n1;2,3;4\n", complete: true);

        Assert.Equal((';', 3), (delimiter, fields));
    }

    [Fact]
    public void On_a_full_tie_the_earlier_delimiter_of_the_list_wins()
    {
        // Pipe and comma both make two fields on every line.
        Assert.Equal((',', 1.0, 2), CsvDialectDetector.FindDelimiter("a|b,c\n1|2,3\n4|5,6\n", complete: true));
    }

    [Fact]
    public void The_more_consistent_delimiter_wins_over_one_that_makes_more_fields()
    {
        // The comma gives 2 fields on every line; the semicolon 4 fields on two lines of three.
        var (delimiter, consistency, fields) = CsvDialectDetector.FindDelimiter("a,b;c;d;e\n1,2;3;4;5\n6,7\n", complete: true);

        Assert.Equal((',', 1.0, 2), (delimiter, consistency, fields));
    }

    [Fact]
    public void The_consistency_is_the_share_of_lines_with_the_commonest_field_count()
    {
        var (delimiter, consistency, fields) = CsvDialectDetector.FindDelimiter("a,b,c\n1,2,3\n4,5,6\n7,8\n", complete: true);

        Assert.Equal((',', 0.75, 3), (delimiter, consistency, fields));
    }

    [Fact]
    public void Text_with_no_delimiter_is_one_field_with_no_consistency()
    {
        Assert.Equal((',', 0.0, 1), CsvDialectDetector.FindDelimiter("just words here\nand more words\n", complete: true));
        Assert.Equal((',', 0.0, 1), CsvDialectDetector.FindDelimiter("", complete: true));
    }

    [Theory]
    [InlineData("id,name\n1,Ann\n2,Bob\n", true)]
    [InlineData("a,b,c\n1,2,3\n4,5,6\n7,8,9\n10,11\n", true)] // 4 of 5 lines: 0.8
    [InlineData("a,b,c\n1,2,3\n4,5,6\n7,8\n", false)] // 3 of 4 lines: 0.75
    [InlineData("a,b\n", true)]
    [InlineData("Dear Ann, thank you for the letter.\nI was glad, as always, to hear from you.\nWe are well.\n", false)]
    [InlineData("It was the best of times. It was the worst of times.\nIt was the age of wisdom.\n", false)]
    [InlineData("one\ntwo\nthree\n", false)]
    public void Tabular_text_splits_most_lines_into_the_same_two_or_more_fields(string text, bool tabular)
    {
        Assert.Equal(tabular, CsvDialectDetector.LooksTabular(text, complete: true));
    }

    public static TheoryData<string, char, bool, string[][]> Splits => new()
    {
        { "a,b\n1,2\n", ',', true, [["a", "b"], ["1", "2"]] },
        { "a,b\r\n1,2\r\n", ',', true, [["a", "b"], ["1", "2"]] },
        { "a,b\r1,2\r", ',', true, [["a", "b"], ["1", "2"]] },
        { "\ufeffa,b\n1,2", ',', true, [["a", "b"], ["1", "2"]] },
        { "a,b\n1,2", ',', false, [["a", "b"]] },
        { "a,b\n\n\r\n1,2\n", ',', true, [["a", "b"], ["1", "2"]] },
        { "a,,c\n,,\n", ',', true, [["a", "", "c"], ["", "", ""]] },
        { "\"x,y\",\"say \"\"hi\"\"\"\n", ',', true, [["x,y", "say \"hi\""]] },
        { "\"two\nlines\",b\n", ',', true, [["two\nlines", "b"]] },
        { "ab\"c,d\n", ',', true, [["ab\"c", "d"]] },
        { "\"\",x\n", ',', true, [["", "x"]] },
        { "\"open,never closed\n", ',', true, [] },
        { "a;b\n", ';', true, [["a", "b"]] },
        { "a'b;c'\n", ';', true, [["a'b", "c'"]] },
        { ",\n", ',', true, [["", ""]] },
        { "x", ',', true, [["x"]] },
        { "x", ',', false, [] },
        { "\na,b\n", ',', true, [["a", "b"]] },
        { "a,\"b\"", ',', true, [["a", "b"]] },
        { "a,b\r", ',', true, [["a", "b"]] },
        { "\"\"\n1\n", ',', true, [[""], ["1"]] },
        { "a,", ',', true, [["a", ""]] },
    };

    [Theory]
    [MemberData(nameof(Splits))]
    public void Split_reads_records_with_rfc_4180_quoting(string text, char delimiter, bool complete, string[][] expected)
    {
        var records = CsvDialectDetector.Split(text, delimiter, '"', complete, maxRecords: 200);

        Assert.Equal(expected, records.Select(r => r.ToArray()).ToArray());
    }

    [Fact]
    public void Split_stops_at_the_record_limit_even_at_the_end_of_a_complete_sample()
    {
        Assert.Equal([["1"], ["2"]], CsvDialectDetector.Split("1\n2\n3\n4\n", ',', '"', complete: true, maxRecords: 2));
        Assert.Equal([["1"], ["2"]], CsvDialectDetector.Split("1\n2\n3", ',', '"', complete: true, maxRecords: 2));
        Assert.Equal([["1"], ["2"], ["3"]], CsvDialectDetector.Split("1\n2\n3", ',', '"', complete: true, maxRecords: 3));
    }

    public static TheoryData<string[][], bool> Headers => new()
    {
        { [["id", "name"], ["1", "Ann"], ["2", "Bob"]], true },
        { [["name", "joined"], ["Ann", "2026-01-02"]], true },
        { [["name", "active"], ["Ann", "true"]], true },
        { [["city", "country"], ["Oslo", "Norway"], ["Rome", "Italy"]], true },
        { [["Oslo", "Norway"], ["Rome", "Italy"], ["Oslo", "Sweden"]], false },
        { [["a", "b"], ["x", "b"]], false },
        { [["1", "2"], ["3", "4"]], false },
        { [["name", "2026-01-02"], ["Ann", "2026-01-03"]], false },
        { [["name", ""], ["Ann", "1"]], false },
        { [["name", " "], ["Ann", "1"]], false },
        { [["name", "name"], ["Ann", "1"]], false },
        { [["id", "name"]], true },
        { [["7"]], false },
        { [], false },
        { [["a", "b", "c"], ["x", "y"]], true },
        { [["a", "b", "c"], ["x", "y"], ["z", "w", "c"]], false },
        { [["a", "b"], ["a", "y", "3"]], false }, // a value past the header's width does not make it one
        { [["id", "name"], ["1", "name"]], true }, // a typed column decides before repeated text
        { [["a", "b", "c"], ["a", "y", "1"], ["z", "w"]], true }, // a short row's missing cell is empty, not text
    };

    [Theory]
    [MemberData(nameof(Headers))]
    public void A_first_row_is_a_header_when_it_names_rather_than_repeats_its_columns(string[][] records, bool header)
    {
        Assert.Equal(header, CsvDialectDetector.HasHeader([.. records.Select(r => r.ToList())]));
    }

    [Fact]
    public void The_delimiters_tried_are_comma_semicolon_tab_and_pipe()
    {
        Assert.Equal([',', ';', '\t', '|'], CsvDialectDetector.Delimiters);
    }
}
