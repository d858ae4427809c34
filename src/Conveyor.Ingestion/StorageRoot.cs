namespace Conveyor.Ingestion;

/// <summary>The folder stored files live under (<c>{DataDirectory}</c>; uploads in <c>uploads/{uuid}/{name}</c>).</summary>
/// <param name="path">The folder.</param>
/// <param name="openFile">
/// Opens a file under the root (its full path) for writing; a <see cref="FileStream"/> unless given. The seam where
/// tests stand in a disk that fills up, which no real test machine can be made to do on cue.
/// </param>
public sealed class StorageRoot(string path, Func<string, FileStreamOptions, Stream>? openFile = null)
{
    private readonly Func<string, FileStreamOptions, Stream> _openFile = openFile ?? ((full, options) => new FileStream(full, options));

    public string FullPath { get; } = Path.GetFullPath(path);

    /// <summary>The absolute path of a stored file's relative path; refuses anything that would leave the root.</summary>
    public string Resolve(string relative)
    {
        var full = Path.GetFullPath(Path.Combine(FullPath, relative));
        if (!full.StartsWith(FullPath + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new InvalidOperationException("A stored file path points outside the storage root.");
        return full;
    }

    /// <summary>Opens the stored file at <paramref name="relative"/> for writing, with <paramref name="options"/>.</summary>
    public Stream OpenWrite(string relative, FileStreamOptions options) => _openFile(Resolve(relative), options);
}
