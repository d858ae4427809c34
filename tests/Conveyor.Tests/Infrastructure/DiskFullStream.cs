namespace Conveyor.Tests.Infrastructure;

/// <summary>
/// A real file on a disk with <c>capacity</c> bytes free: writes reach the file until it is full, then fail the
/// way Linux reports ENOSPC (an <see cref="IOException"/> with HResult 28 that names the file). Everything but the
/// writes is the file's own. (A wrapper, not a FileStream subclass: a derived FileStream routes its span writes
/// back through the array overloads, so counting in both would recurse.)
/// </summary>
public sealed class DiskFullStream(FileStream file, long capacity) : Stream
{
    public const int Enospc = 28;

    private long _written;

    public override bool CanRead => file.CanRead;
    public override bool CanSeek => file.CanSeek;
    public override bool CanWrite => file.CanWrite;
    public override long Length => file.Length;

    public override long Position
    {
        get => file.Position;
        set => file.Position = value;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        var fits = Fits(buffer.Length);
        file.Write(buffer[..fits]);
        if (fits < buffer.Length) throw Full();
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var fits = Fits(buffer.Length);
        await file.WriteAsync(buffer[..fits], cancellationToken);
        if (fits < buffer.Length) throw Full();
    }

    public override void Flush() => file.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => file.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => file.Read(buffer, offset, count);

    public override long Seek(long offset, SeekOrigin origin) => file.Seek(offset, origin);

    public override void SetLength(long value) => file.SetLength(value);

    protected override void Dispose(bool disposing)
    {
        if (disposing) file.Dispose();
        base.Dispose(disposing);
    }

    private int Fits(int count)
    {
        var fits = (int)Math.Min(count, capacity - _written);
        _written += fits;
        return fits;
    }

    private IOException Full() => new($"No space left on device : '{file.Name}'", Enospc);
}
