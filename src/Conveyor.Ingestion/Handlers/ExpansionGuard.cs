using System.Globalization;
using Conveyor.Workers;

namespace Conveyor.Ingestion.Handlers;

/// <summary>
/// Counts the bytes a reader takes from the (decompressed) file and fails the job, with a message safe to show, as soon
/// as they pass the job's <see cref="IngestionLimits.MaxExpandedBytes"/>, or, for gzip, expand more than
/// <see cref="IngestionLimits.MaxExpansionRatio"/> times the compressed bytes read so far: a 10 MB gzip of 10 GiB of
/// rows fails after its first few megabytes instead of loading until the disk is full.
/// </summary>
internal sealed class ExpansionGuard(Stream inner, Stream compressed, bool gzip, IngestionLimits limits, long checkRatioAfter) : Stream
{
    private long _expanded;

    public long Expanded => _expanded;

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override int Read(Span<byte> buffer) => Count(inner.Read(buffer));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) =>
        Count(await inner.ReadAsync(buffer, ct));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
        ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

    private int Count(int read)
    {
        _expanded += read;
        if (_expanded > limits.MaxExpandedBytes)
        {
            throw JobFailedException.Permanent(string.Create(CultureInfo.InvariantCulture,
                $"The file expands to more than {limits.MaxExpandedBytes} bytes, the limit of Conveyor:Ingestion:MaxExpandedBytes."));
        }
        if (gzip && limits.MaxExpansionRatio > 0 && _expanded > checkRatioAfter && _expanded > limits.MaxExpansionRatio * Math.Max(1, compressed.Position))
        {
            throw JobFailedException.Permanent(string.Create(CultureInfo.InvariantCulture,
                $"The gzip file expands more than {limits.MaxExpansionRatio} times its size (Conveyor:Ingestion:MaxExpansionRatio): refused as a decompression bomb."));
        }
        return read;
    }

    private const string ForwardOnly = "The expanded bytes are read once, forward only.";

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException(ForwardOnly);
    public override long Position { get => _expanded; set => throw new NotSupportedException(ForwardOnly); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException(ForwardOnly);
    public override void SetLength(long value) => throw new NotSupportedException(ForwardOnly);
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException(ForwardOnly);

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync() => inner.DisposeAsync();
}
