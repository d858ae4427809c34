namespace Conveyor.Storage;

/// <summary>Stored API keys (hashes only), as one type to register. Consumers depend on the part they use.</summary>
public interface IApiKeyStore : IApiKeyLookup, IApiKeyAdmin;
