using Conveyor.Core;

namespace Conveyor.Storage;

/// <summary>Managing keys (API, CLI, bootstrap): creating and revoking a key writes its audit event in the same transaction.</summary>
public interface IApiKeyAdmin
{
    Task<long> CountKeysAsync(CancellationToken ct);

    /// <summary>Stores <paramref name="key"/> and its <c>key.create</c> audit event (target: the key's id).</summary>
    Task InsertKeyAsync(ApiKeyRecord key, AuditContext audit, CancellationToken ct);

    /// <summary>Every key, oldest first.</summary>
    Task<IReadOnlyList<ApiKeyRecord>> ListKeysAsync(CancellationToken ct);

    /// <summary>Revokes the key (no-op when it already is) with its audit event; null when there is no such key.</summary>
    Task<ApiKeyRecord?> RevokeKeyAsync(Guid id, AuditContext audit, CancellationToken ct);
}
