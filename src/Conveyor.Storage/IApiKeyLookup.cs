namespace Conveyor.Storage;

/// <summary>What authentication needs of the stored keys: find one by its prefix, note that it was used.</summary>
public interface IApiKeyLookup
{
    Task<ApiKeyRecord?> FindKeyByPrefixAsync(string prefix, CancellationToken ct);

    /// <summary>Moves <c>last_used_at</c> forward (not audited: using a key changes nothing).</summary>
    Task TouchKeyAsync(Guid id, DateTimeOffset at, CancellationToken ct);
}
