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
    public async Task A_load_is_stored_in_uncompressed_chunks_of_consecutive_rows_and_a_page_reads_a_few_of_them_by_the_key()
    {
        var job = await CreateAsync(ANewJob.OfType("csv").WithDataset("big"));
        var claimed = await ClaimOnlyAsync(job.Id);
        var records = (IRecordStore)Store;
        var padding = new string('x', 200);
        var large = new string('y', 3 * RecordChunks.MaxBytes);
        string Row(int i) => i == 20_001 ? $$"""["{{i}}","{{large}}"]""" : $$"""["{{i}}","{{padding}}"]""";
        await using (var load = await records.BeginLoadAsync(new LoadFence(job.Id, Worker, claimed.Attempt, "big"), Ct))
        {
            await load.SetColumnsAsync(["n", "padding"], Ct);
            for (var i = 1; i <= 30_000; i++) await load.AddAsync(i, Row(i).AsMemory(), Ct);
            await load.CompleteAsync([], Ct);
        }
        await Db.ExecuteAsync("ANALYZE record_chunks", Ct);
        var where = $"WHERE job_id = '{job.Id}'";

        // ~215-byte rows, 8 to a chunk; every chunk but the one oversized row's stays under RecordChunks.MaxBytes, so none is
        // compressed; the records view gives the rows back one by one, numbered 1..30,000.
        var chunks = long.Parse(await Db.ScalarTextAsync($"SELECT count(*) FROM record_chunks {where}", Ct));
        Assert.InRange(chunks, 30_000 / 9, 30_000 / 7);
        Assert.Equal("1", await Db.ScalarTextAsync(
            $"SELECT count(*) FROM record_chunks {where} AND octet_length(rows::text) > {RecordChunks.MaxBytes}", Ct));
        Assert.Equal("1", await Db.ScalarTextAsync($"SELECT json_array_length(rows) FROM record_chunks {where} AND first_row = 20001", Ct));
        Assert.Equal("30000 30000 1 30000", await Db.ScalarTextAsync(
            $"SELECT concat_ws(' ', count(*), count(DISTINCT row_number), min(row_number), max(row_number)) FROM records {where}", Ct));

        // A page from the middle of a chunk, across the oversized row: the rows after the cursor, in order, as objects.
        var page = await records.ListRecordsAsync(new RecordQuery { JobId = job.Id, After = (job.Id, 19_997), Limit = 100 }, Ct);
        Assert.Equal(Enumerable.Range(19_998, 100).Select(i => (long)i), page.Select(r => r.RowNumber));
        Assert.All(page, r => Assert.Equal($$"""{"n":"{{r.RowNumber}}","padding":"{{(r.RowNumber == 20_001 ? large : padding)}}"}""", r.Data));
        Assert.All(page, r => Assert.Equal("big", r.Dataset));
        var tail = await records.ListRecordsAsync(new RecordQuery { JobId = job.Id, After = (job.Id, 29_950), Limit = 100 }, Ct);
        Assert.Equal(Enumerable.Range(29_951, 50).Select(i => (long)i), tail.Select(r => r.RowNumber));

        // The page's plan: the primary key, and a few of the load's ~3,750 chunks.
        var sql = Conveyor.Storage.Postgres.PostgresJobStore.SelectChunks
            .Replace("@job_id", $"'{job.Id}'::uuid").Replace("@after", "19997").Replace("@limit", "100");
        var plan = await Db.ScalarTextAsync($"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", Ct);
        Assert.Contains("record_chunks_pkey", plan);
        using var document = System.Text.Json.JsonDocument.Parse(plan);
        var top = document.RootElement[0].GetProperty("Plan");
        Assert.InRange(top.GetProperty("Actual Rows").GetInt64(), 12, 16);
        var blocks = top.GetProperty("Shared Hit Blocks").GetInt64() + top.GetProperty("Shared Read Blocks").GetInt64();
        Assert.True(blocks <= 40, $"A page read {blocks} blocks.");
    }
}
