using Conveyor.Core;

namespace Conveyor.Storage.Tests;

/// <summary>
/// The <see cref="IJobStore"/> contract against the PostgreSQL driver, each test on a database of its own on the
/// server named by CONVEYOR_TEST_POSTGRES (./test.sh starts one). Without it these tests fail; they never skip.
/// </summary>
public sealed class PostgresJobStoreContractTests : JobStoreContract
{
    protected override async Task<StoreHarness> CreateHarnessAsync(CancellationToken ct) => await PostgresStoreHarness.CreateAsync(ct);

    [Fact]
    public async Task Subscribe_wakes_a_subscriber_on_another_node_after_a_create()
    {
        var otherNode = Db.OpenAnotherStore();
        await (await otherNode.SubscribeAsync(Ct)).DisposeAsync(); // LISTEN is up, its first wake-up taken
        await using var signal = await otherNode.SubscribeAsync(Ct);
        Assert.False(await signal.WaitAsync(TimeSpan.FromMilliseconds(200), Ct));

        await CreateAsync(ANewJob.Noop());

        Assert.True(await signal.WaitAsync(TimeSpan.FromSeconds(30), Ct));
    }

    [Fact]
    public async Task Subscribe_wakes_a_subscriber_on_another_node_after_a_retry_is_scheduled()
    {
        var job = await CreateAsync(ANewJob.Noop().WithMaxAttempts(2));
        await ClaimOnlyAsync(job.Id);
        var otherNode = Db.OpenAnotherStore();
        await (await otherNode.SubscribeAsync(Ct)).DisposeAsync();
        await using var signal = await otherNode.SubscribeAsync(Ct);

        await CompleteAsync(job.Id, JobOperation.Fail, new TransitionInput { Error = "Again.", RetryAt = Now });

        Assert.True(await signal.WaitAsync(TimeSpan.FromSeconds(30), Ct));
    }
}
