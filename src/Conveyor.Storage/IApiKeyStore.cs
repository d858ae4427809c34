using Conveyor.Core;

namespace Conveyor.Storage;

/// <summary>Stored API keys (hashes only). Creating and revoking a key writes its audit event in the same transaction.</summary>
public interface IApiKeyStore
{
    Task<long> CountKeysAsync(CancellationToken ct);

    /// <summary>Stores <paramref name="key"/> and its <c>key.create</c> audit event (target: the key's id).</summary>
    Task InsertKeyAsync(ApiKeyRecord key, AuditContext audit, CancellationToken ct);

    Task<ApiKeyRecord?> FindKeyByPrefixAsync(string prefix, CancellationToken ct);

    /// <summary>Every key, oldest first.</summary>
    Task<IReadOnlyList<ApiKeyRecord>> ListKeysAsync(CancellationToken ct);

    /// <summary>Revokes the key (no-op when it already is) with its audit event; null when there is no such key.</summary>
    Task<ApiKeyRecord?> RevokeKeyAsync(Guid id, AuditContext audit, CancellationToken ct);

    /// <summary>Moves <c>last_used_at</c> forward (not audited: using a key changes nothing).</summary>
    Task TouchKeyAsync(Guid id, DateTimeOffset at, CancellationToken ct);
}
