namespace Conveyor.Ingestion;

/// <summary>The folder stored files live under (<c>{DataDirectory}</c>; uploads in <c>uploads/{uuid}/{name}</c>).</summary>
public sealed class StorageRoot(string path)
{
    public string FullPath { get; } = Path.GetFullPath(path);

    /// <summary>The absolute path of a stored file's relative path; refuses anything that would leave the root.</summary>
    public string Resolve(string relative)
    {
        var full = Path.GetFullPath(Path.Combine(FullPath, relative));
        if (!full.StartsWith(FullPath + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new InvalidOperationException("A stored file path points outside the storage root.");
        return full;
    }
}
