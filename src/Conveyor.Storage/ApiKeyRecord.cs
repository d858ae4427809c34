namespace Conveyor.Storage;

/// <summary>A stored API key: never the key itself, only its public prefix and a hash.</summary>
public sealed record ApiKeyRecord(
    Guid Id,
    string Prefix,
    string Hash,
    string Name,
    string Role,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastUsedAt,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? RevokedAt);
