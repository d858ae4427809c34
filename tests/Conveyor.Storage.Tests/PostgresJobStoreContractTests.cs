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

    [Fact]
    public async Task A_page_of_a_large_load_is_read_through_the_BRIN_index_from_its_own_block_ranges()
    {
        var job = await CreateAsync(ANewJob.OfType("csv").WithDataset("big"));
        var claimed = await ClaimOnlyAsync(job.Id);
        var records = (IRecordStore)Store;
        await using (var load = await records.BeginLoadAsync(new LoadFence(job.Id, Worker, claimed.Attempt, "big"), Ct))
        {
            await load.SetColumnsAsync(["n", "padding"], Ct);
            var padding = new string('x', 200);
            for (var i = 1; i <= 30_000; i++) await load.AddAsync(i, $$"""["{{i}}","{{padding}}"]""".AsMemory(), Ct);
            await load.CompleteAsync([], Ct);
        }
        await Db.ExecuteAsync("ANALYZE records", Ct);

        var sql = Conveyor.Storage.Postgres.PostgresJobStore.SelectRowRange
            .Replace("@job_id", $"'{job.Id}'::uuid").Replace("@after", "20000").Replace("@limit", "100");
        var plan = await Db.ScalarTextAsync($"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", Ct);

        // The load's ranges were summarized when it committed: the page reads a few of its ~1,000 blocks, by the index.
        Assert.Contains("records_job_row_brin", plan);
        using var document = System.Text.Json.JsonDocument.Parse(plan);
        var top = document.RootElement[0].GetProperty("Plan");
        Assert.Equal(100, top.GetProperty("Actual Rows").GetInt64());
        Assert.InRange(top.GetProperty("Shared Hit Blocks").GetInt64() + top.GetProperty("Shared Read Blocks").GetInt64(), 1, 80);
    }
}
