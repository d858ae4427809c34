namespace Conveyor.Storage.Tests;

/// <summary>The driver contract against PostgreSQL (CONVEYOR_TEST_POSTGRES; fails, never skips, without it).</summary>
public sealed class PostgresDriverContractTests : DriverContract
{
    protected override async Task<StoreHarness> CreateHarnessAsync(CancellationToken ct) => await PostgresStoreHarness.CreateAsync(ct);
}
