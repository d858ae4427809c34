namespace Conveyor.Storage.Tests;

/// <summary>Unpacking a stored chunk of rows: pure, no database.</summary>
public sealed class RecordChunksTests
{
    private static readonly Guid Job = Guid.Parse("0b9a3f4e-8f7c-4d6a-9a1e-2f3b4c5d6e7f");

    private static List<RecordRow> Unpack(string chunk, long firstRow, IReadOnlyList<string>? columns, long afterRow, int until, List<RecordRow>? rows = null)
    {
        rows ??= [];
        RecordChunks.Unpack(Job, "people", firstRow, chunk, columns, afterRow, until, rows);
        return rows;
    }

    [Fact]
    public void A_tabular_chunk_unpacks_to_numbered_objects_of_its_columns()
    {
        var rows = Unpack("""[["1","Ann"],["2","Bob"],["3","Cy"]]""", firstRow: 10, ["id", "name"], afterRow: 0, until: 100);

        Assert.Equal([10L, 11L, 12L], rows.Select(r => r.RowNumber));
        Assert.Equal(["""{"id":"1","name":"Ann"}""", """{"id":"2","name":"Bob"}""", """{"id":"3","name":"Cy"}"""], rows.Select(r => r.Data));
        Assert.All(rows, r => Assert.Equal((Job, "people"), (r.JobId, r.Dataset)));
    }

    [Fact]
    public void Json_rows_without_columns_unpack_as_they_were_stored()
    {
        var rows = Unpack("""[{"n":1},{"n":{"deep":[2]}}]""", firstRow: 1, columns: null, afterRow: 0, until: 100);

        Assert.Equal(["""{"n":1}""", """{"n":{"deep":[2]}}"""], rows.Select(r => r.Data));
    }

    [Fact]
    public void Rows_up_to_the_cursor_are_skipped()
    {
        var rows = Unpack("""[["a"],["b"],["c"],["d"]]""", firstRow: 5, ["x"], afterRow: 6, until: 100);

        Assert.Equal([7L, 8L], rows.Select(r => r.RowNumber));
        Assert.Equal(["""{"x":"c"}""", """{"x":"d"}"""], rows.Select(r => r.Data));
    }

    [Fact]
    public void Unpacking_stops_when_the_page_is_full_counting_rows_already_on_it()
    {
        var page = Unpack("""[["a"],["b"]]""", firstRow: 1, ["x"], afterRow: 0, until: 3);
        Unpack("""[["c"],["d"],["e"]]""", firstRow: 3, ["x"], afterRow: 0, until: 3, page);

        Assert.Equal([1L, 2L, 3L], page.Select(r => r.RowNumber));
    }

    [Fact]
    public void Short_and_long_rows_are_padded_with_null_and_extra_values_named_column_N()
    {
        var rows = Unpack("""[["1"],["1","2","3"]]""", firstRow: 1, ["a", "b"], afterRow: 0, until: 100);

        Assert.Equal(["""{"a":"1","b":null}""", """{"a":"1","b":"2","column_3":"3"}"""], rows.Select(r => r.Data));
    }
}
