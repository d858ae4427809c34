using System.Text.Json;

namespace Conveyor.Storage;

/// <summary>
/// Both drivers store a load's rows in chunks: a table row holds a run of a job's consecutive rows as one JSON array,
/// the first of them numbered <c>first_row</c>. A table row per loaded row paid the database's per-row costs (a row
/// header, an insert, an index entry) a million times for a million rows; chunks pay them once per ~18 rows of a
/// typical CSV. A chunk is closed before its JSON passes <see cref="MaxBytes"/>, so it stays in its page: under the
/// ~2 KB at which PostgreSQL would move and compress it, and the ~4 KB at which SQLite would spill it to overflow pages.
/// A row larger than that is a chunk of its own.
/// </summary>
public static class RecordChunks
{
    /// <summary>The UTF-8 bytes of JSON at which a chunk is closed (one row larger than this is a chunk alone).</summary>
    public const int MaxBytes = 1900;

    /// <summary>
    /// Whether a row of <paramref name="rowBytes"/> UTF-8 bytes joins the open chunk, whose JSON array is
    /// <paramref name="chunkBytes"/> bytes with both brackets: it does while the chunk, a comma and the row stay within
    /// <see cref="MaxBytes"/>. The one rule both drivers pack by.
    /// </summary>
    public static bool Fits(int chunkBytes, int rowBytes) => chunkBytes + 1 + rowBytes <= MaxBytes;

    /// <summary>
    /// Appends the chunk's rows numbered after <paramref name="afterRow"/>, as objects (see <see cref="RecordColumns"/>),
    /// until <paramref name="rows"/> holds <paramref name="until"/> rows.
    /// </summary>
    public static void Unpack(Guid jobId, string dataset, long firstRow, string chunk, IReadOnlyList<string>? columns, long afterRow, int until,
        List<RecordRow> rows)
    {
        // Repaired: a row stored before the readers refused lone surrogates must still read back.
        using var document = JsonDocument.Parse(Conveyor.Core.StoredJson.Repair(chunk));
        var rowNumber = firstRow;
        foreach (var row in document.RootElement.EnumerateArray())
        {
            if (rows.Count >= until) return;
            if (rowNumber > afterRow) rows.Add(new RecordRow(jobId, rowNumber, dataset, RecordColumns.ToObject(row, columns)));
            rowNumber++;
        }
    }
}
