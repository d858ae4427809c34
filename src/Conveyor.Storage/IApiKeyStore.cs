namespace Conveyor.Storage;

/// <summary>Stored API keys (hashes only).</summary>
public interface IApiKeyStore
{
    Task<long> CountKeysAsync(CancellationToken ct);

    Task InsertKeyAsync(ApiKeyRecord key, CancellationToken ct);

    Task<ApiKeyRecord?> FindKeyByPrefixAsync(string prefix, CancellationToken ct);
}
