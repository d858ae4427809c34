using System.Text;

namespace Conveyor.Storage.Sqlite;

/// <summary>
/// The rows of one load transaction, copied as UTF-8 (what SQLite stores) into one arena that is reused chunk after
/// chunk, so a load allocates no string per row and its memory stays flat whatever the file's size.
/// </summary>
internal sealed class LoadChunk(int maxRows, int maxBytes)
{
    private byte[] _bytes = new byte[Math.Min(maxBytes, 1 << 20)];
    private readonly long[] _numbers = new long[maxRows];
    private readonly int[] _ends = new int[maxRows];
    private int _length;

    public int Count { get; private set; }

    /// <summary>Full by rows or by bytes; a single row larger than the byte bound still fits, alone.</summary>
    public bool IsFull => Count == _numbers.Length || _length >= maxBytes;

    public void Add(long rowNumber, ReadOnlySpan<char> json)
    {
        var needed = _length + Encoding.UTF8.GetMaxByteCount(json.Length);
        if (needed > _bytes.Length) Array.Resize(ref _bytes, Math.Max(needed, Math.Min(2 * _bytes.Length, maxBytes + needed - _length)));
        _length += Encoding.UTF8.GetBytes(json, _bytes.AsSpan(_length));
        _numbers[Count] = rowNumber;
        _ends[Count] = _length;
        Count++;
    }

    public long RowNumber(int index) => _numbers[index];

    public ReadOnlySpan<byte> Row(int index)
    {
        var start = index == 0 ? 0 : _ends[index - 1];
        return _bytes.AsSpan(start, _ends[index] - start);
    }

    public void Clear()
    {
        Count = 0;
        _length = 0;
    }
}
