namespace Conveyor.Storage;

/// <summary>A file under the storage root: <see cref="Path"/> is relative to it (<c>uploads/{uuid}/{name}</c>).</summary>
public sealed record StoredFile(Guid JobId, string Path, string? OriginalName, long Size, string Sha256, string ContentType,
    DateTimeOffset StoredAt);
