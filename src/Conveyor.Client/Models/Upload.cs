using System.Text.Json;

namespace Conveyor.Client;

/// <summary>One file of an upload: its name as the server should store it and a stream the client reads once.</summary>
public sealed record UploadFile(string FileName, Stream Content)
{
    /// <summary>A file on disk, named as it is there.</summary>
    public static UploadFile FromPath(string path) => new(Path.GetFileName(path), File.OpenRead(path));
}

/// <summary>The optional fields of an upload.</summary>
public sealed record UploadSettings
{
    public string? Dataset { get; init; }
    public int? Priority { get; init; }
    public JsonElement? Metadata { get; init; }
}

/// <summary>How far an upload is: bytes of file content sent so far, of how many (null when a stream's length is unknown).</summary>
public readonly record struct TransferProgress(long BytesSent, long? TotalBytes);
