using System.Text;

namespace Conveyor.Storage.Sqlite;

/// <summary>
/// The rows of one load transaction, packed as UTF-8 (what SQLite stores) into record chunks (<see cref="RecordChunks"/>:
/// runs of consecutive rows as one JSON array each) in one arena that is reused transaction after transaction, so a
/// load allocates no string per row and its memory stays flat whatever the file's size.
/// </summary>
internal sealed class LoadBatch(int maxRows, int maxBytes)
{
    private byte[] _bytes = new byte[Math.Min(maxBytes, 1 << 20)];
    private readonly long[] _firstRows = new long[maxRows];
    private readonly int[] _ends = new int[maxRows];
    private int _length;
    private int _rows;
    private long _nextRow;

    /// <summary>The record chunks packed so far (the last one still open to more rows).</summary>
    public int Count { get; private set; }

    /// <summary>Full by rows or by bytes; a single row larger than the byte bound still fits, alone.</summary>
    public bool IsFull => _rows == maxRows || _length >= maxBytes;

    public void Add(long rowNumber, ReadOnlySpan<char> json)
    {
        var bytes = Encoding.UTF8.GetByteCount(json);
        var needed = _length + bytes + 2;
        if (needed > _bytes.Length) Array.Resize(ref _bytes, Math.Max(needed, Math.Min(2 * _bytes.Length, maxBytes + needed - _length)));
        var start = Count <= 1 ? 0 : _ends[Count - 2]; // of the open chunk
        if (Count > 0 && rowNumber == _nextRow && RecordChunks.Fits(_length - start, bytes))
        {
            _bytes[_length - 1] = (byte)','; // the open chunk's closing bracket
        }
        else
        {
            _firstRows[Count] = rowNumber;
            Count++;
            _bytes[_length++] = (byte)'[';
        }
        _length += Encoding.UTF8.GetBytes(json, _bytes.AsSpan(_length));
        _bytes[_length++] = (byte)']';
        _ends[Count - 1] = _length;
        _nextRow = rowNumber + 1;
        _rows++;
    }

    public long FirstRow(int index) => _firstRows[index];

    /// <summary>The chunk's JSON array.</summary>
    public ReadOnlySpan<byte> Chunk(int index)
    {
        var start = index == 0 ? 0 : _ends[index - 1];
        return _bytes.AsSpan(start, _ends[index] - start);
    }

    public void Clear()
    {
        Count = 0;
        _rows = 0;
        _length = 0;
    }
}
