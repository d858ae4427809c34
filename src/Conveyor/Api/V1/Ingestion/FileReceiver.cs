using System.Buffers;
using System.Security.Cryptography;
using Conveyor.Application;
using Conveyor.Ingestion;
using Conveyor.Ingestion.Detection;
using Microsoft.Win32.SafeHandles;

namespace Conveyor.Api.V1.Ingestion;

/// <summary>
/// Streams one request body (or multipart section) to <c>uploads/{uuid}/{name}</c>: the head is sniffed before a
/// byte is written, the size limit is enforced as the bytes arrive, and a failure removes the file's folder.
/// </summary>
public static class FileReceiver
{
    private const int CopyBuffer = 256 * 1024;

    public static async Task<ReceivedFile> ReceiveAsync(Stream body, StorageRoot root, string safeName, long maxBytes,
        Func<SniffResult, string?> refuse, CancellationToken ct)
    {
        var head = new byte[ContentSniffer.HeadBytes];
        var headLength = await RequestBodyException.Wrap(() => body.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, ct));
        if (headLength > maxBytes) throw UploadRejectedException.TooLarge($"A file may be at most {maxBytes} bytes.");
        var (sniff, detection) = ContentDetector.Detect(head.AsSpan(0, headLength), complete: headLength < head.Length);
        if (sniff.Kind is ContentKind.Refused) throw UploadRejectedException.Unsupported(sniff.Reason ?? "This type of file is not accepted.");
        if (refuse(sniff) is { } reason) throw UploadRejectedException.Unsupported(reason);

        var id = Guid.CreateVersion7();
        var relative = Path.Combine("uploads", id.ToString(), safeName);
        var directory = Path.Combine(root.FullPath, "uploads", id.ToString());
        Directory.CreateDirectory(directory);
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBuffer);
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long size = headLength;
            await using (var file = root.OpenWrite(relative, new FileStreamOptions
            {
                Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 0, Options = FileOptions.Asynchronous,
            }))
            await using (var sync = new DiskSync((file as FileStream)?.SafeFileHandle))
            {
                hash.AppendData(head, 0, headLength);
                await file.WriteAsync(head.AsMemory(0, headLength), ct);
                int read;
                while ((read = await RequestBodyException.Wrap(() => body.ReadAsync(buffer.AsMemory(0, CopyBuffer), ct))) > 0)
                {
                    size += read;
                    if (size > maxBytes) throw UploadRejectedException.TooLarge($"A file may be at most {maxBytes} bytes.");
                    hash.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), ct);
                    sync.Written(read);
                }
                await file.FlushAsync(ct);
                await sync.CompleteAsync();
            }
            return new ReceivedFile(id, relative.Replace('\\', '/'), directory, size, Convert.ToHexStringLower(hash.GetHashAndReset()), sniff, detection);
        }
        catch
        {
            Remove(directory);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Makes a received file durable before the transaction that queues its job commits: a job whose file a power cut
    /// had truncated would load part of it and succeed. The file is flushed to disk (fsync) in the background after
    /// every 64 MiB while the upload goes on, so the flush at the end has only the tail left to write. (On ext4, the
    /// fsync of a new file also commits the directory entries that name it.) A stream that is not a file (a test's
    /// stand-in) has nothing to sync.
    /// </summary>
    private sealed class DiskSync(SafeFileHandle? handle) : IAsyncDisposable
    {
        private const long Every = 64L << 20;
        private long _unsynced;
        private Task _inFlight = Task.CompletedTask;

        public void Written(int bytes)
        {
            _unsynced += bytes;
            if (handle is null || _unsynced < Every || !_inFlight.IsCompleted) return;
            _inFlight.GetAwaiter().GetResult(); // a failed flush fails the upload
            _unsynced = 0;
            _inFlight = Task.Run(() => RandomAccess.FlushToDisk(handle));
        }

        public async Task CompleteAsync()
        {
            if (handle is null) return;
            await _inFlight;
            RandomAccess.FlushToDisk(handle);
        }

        /// <summary>Waits for a flush still running (the file closes next); its failure no longer matters then.</summary>
        public async ValueTask DisposeAsync()
        {
            try
            {
                await _inFlight;
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>Removes a received file's folder; never throws (the caller is already failing).</summary>
    public static void Remove(string directory)
    {
        try
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
