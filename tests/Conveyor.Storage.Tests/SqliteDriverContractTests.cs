namespace Conveyor.Storage.Tests;

/// <summary>The driver contract against SQLite.</summary>
public sealed class SqliteDriverContractTests : DriverContract
{
    protected override Task<StoreHarness> CreateHarnessAsync(CancellationToken ct) => Task.FromResult<StoreHarness>(new SqliteStoreHarness());
}
