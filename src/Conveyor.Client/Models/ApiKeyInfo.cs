namespace Conveyor.Client;

/// <summary>An API key as listed: never the key itself.</summary>
public sealed record ApiKeyInfo(Guid Id, string Name, string Role, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt,
    DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt);

/// <summary>A key just created: <see cref="Key"/> is shown this once.</summary>
public sealed record CreatedApiKey(Guid Id, string Name, string Role, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, string Key);
