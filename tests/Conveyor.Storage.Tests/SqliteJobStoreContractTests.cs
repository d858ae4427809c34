namespace Conveyor.Storage.Tests;

/// <summary>The <see cref="IJobStore"/> contract against the embedded SQLite driver.</summary>
public sealed class SqliteJobStoreContractTests : JobStoreContract
{
    protected override Task<StoreHarness> CreateHarnessAsync(CancellationToken ct) => Task.FromResult<StoreHarness>(new SqliteStoreHarness());
}
