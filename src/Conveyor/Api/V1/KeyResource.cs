using Conveyor.Storage;

namespace Conveyor.Api.V1;

/// <summary>An API key as the API shows it: never the key or its hash, only the public prefix.</summary>
public sealed record KeyResource(Guid Id, string Name, string Role, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt,
    DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt)
{
    public static KeyResource From(ApiKeyRecord k) => new(k.Id, k.Name, k.Role, k.Prefix, k.CreatedAt, k.LastUsedAt, k.ExpiresAt, k.RevokedAt);
}

/// <summary>The answer to a create: the only time the key itself is shown.</summary>
public sealed record CreatedKeyResource(Guid Id, string Name, string Role, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt,
    string Key);

/// <summary>The body of <c>POST /api/v1/keys</c>.</summary>
public sealed record KeyCreateRequest
{
    public string? Name { get; init; }
    public string? Role { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
}

/// <summary>Every key, oldest first.</summary>
public sealed record KeyListResource(IReadOnlyList<KeyResource> Items);
