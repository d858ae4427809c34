using System.Text;
using Conveyor.Storage.Sqlite;

namespace Conveyor.Storage.Tests;

/// <summary>Packing rows into chunks and unpacking a stored chunk: pure, no database.</summary>
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

    [Theory]
    [InlineData(1799, 100, true)] // 1799 + ',' + 100 = exactly MaxBytes
    [InlineData(1800, 100, false)]
    [InlineData(2, 1897, true)]
    [InlineData(2, 1898, false)]
    public void A_row_joins_its_chunk_while_the_chunk_stays_within_its_byte_bound(int chunkBytes, int rowBytes, bool fits)
    {
        Assert.Equal(1900, RecordChunks.MaxBytes);
        Assert.Equal(fits, RecordChunks.Fits(chunkBytes, rowBytes));
    }

    private static string Row(int bytes) => "\"" + new string('x', bytes - 2) + "\"";

    private static List<(long FirstRow, string Json)> Chunks(LoadBatch batch) =>
        [.. Enumerable.Range(0, batch.Count).Select(i => (batch.FirstRow(i), Encoding.UTF8.GetString(batch.Chunk(i))))];

    [Fact]
    public void Consecutive_rows_pack_into_chunks_of_at_most_the_byte_bound()
    {
        var batch = new LoadBatch(maxRows: 1000, maxBytes: 1 << 20);
        for (var n = 1; n <= 40; n++) batch.Add(n, Row(100));

        var chunks = Chunks(batch);

        // [ + 18 rows + 17 commas + ] = 1,819 bytes; a 19th row would make 1,920.
        Assert.Equal([1L, 19L, 37L], chunks.Select(c => c.FirstRow));
        Assert.Equal([1819, 1819, 2 + 4 * 100 + 3], chunks.Select(c => c.Json.Length));
        Assert.All(chunks, c => Assert.True(c.Json.Length <= RecordChunks.MaxBytes));
        var unpacked = new List<RecordRow>();
        foreach (var (first, json) in chunks) RecordChunks.Unpack(Job, "people", first, json, null, 0, 100, unpacked);
        Assert.Equal(Enumerable.Range(1, 40).Select(n => (long)n), unpacked.Select(r => r.RowNumber));
        Assert.All(unpacked, r => Assert.Equal(Row(100), r.Data));
    }

    [Fact]
    public void A_chunk_fills_to_exactly_the_byte_bound()
    {
        var batch = new LoadBatch(maxRows: 1000, maxBytes: 1 << 20);
        batch.Add(1, Row(947));
        batch.Add(2, Row(950)); // [947,950] = 1 + 947 + 1 + 950 + 1 = 1900
        batch.Add(3, Row(2));

        Assert.Equal([(1L, RecordChunks.MaxBytes), (3L, 4)], Chunks(batch).Select(c => (c.FirstRow, c.Json.Length)));
    }

    [Fact]
    public void A_row_larger_than_the_bound_is_a_chunk_alone_and_a_gap_in_numbers_starts_a_chunk()
    {
        var batch = new LoadBatch(maxRows: 1000, maxBytes: 1 << 20);
        batch.Add(1, Row(10));
        batch.Add(2, Row(5000));
        batch.Add(3, Row(10));
        batch.Add(7, Row(10)); // rows 4-6 failed
        batch.Add(8, "{\"é\":\"ü\"}");

        var chunks = Chunks(batch);

        Assert.Equal([1L, 2L, 3L, 7L], chunks.Select(c => c.FirstRow));
        Assert.Equal(5002, chunks[1].Json.Length);
        Assert.Equal($"[{Row(10)},{{\"é\":\"ü\"}}]", chunks[3].Json);
    }

    [Fact]
    public void A_batch_is_full_by_rows_or_by_bytes_and_empty_after_clear()
    {
        var byRows = new LoadBatch(maxRows: 3, maxBytes: 1 << 20);
        for (var n = 1; n <= 3; n++)
        {
            Assert.False(byRows.IsFull);
            byRows.Add(n, Row(10));
        }
        var byBytes = new LoadBatch(maxRows: 1000, maxBytes: 5000);
        byBytes.Add(1, Row(3000));
        Assert.False(byBytes.IsFull);
        byBytes.Add(2, Row(3000));

        Assert.True(byRows.IsFull);
        Assert.True(byBytes.IsFull);
        byRows.Clear();
        Assert.False(byRows.IsFull);
        Assert.Equal(0, byRows.Count);
        byRows.Add(9, Row(10));
        Assert.Equal([(9L, $"[{Row(10)}]")], Chunks(byRows));
    }
}
