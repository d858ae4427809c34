using Conveyor.Core;

namespace Conveyor.Storage.Tests;

/// <summary>The record store: uploads created with their files, and loads fenced by the job's lease.</summary>
public abstract partial class JobStoreContract
{
    private IRecordStore Records => (IRecordStore)Store;

    private async Task<(Job Job, LoadFence Fence)> RunningLoadAsync(string dataset = "ds")
    {
        var job = await CreateAsync(ANewJob.OfType("csv").WithDataset(dataset));
        var claimed = await ClaimOnlyAsync(job.Id);
        return (claimed, new LoadFence(claimed.Id, Worker, claimed.Attempt, dataset));
    }

    private async Task LoadAsync(LoadFence fence, int rows, int from = 1)
    {
        await using var load = await Records.BeginLoadAsync(fence, Ct);
        for (var i = from; i < from + rows; i++) await load.AddAsync(i, $$"""{"n":"{{i}}"}""".AsMemory(), Ct);
        await load.CompleteAsync([new RecordFailure(7, "bad")], Ct);
    }

    [Fact]
    public async Task A_completed_load_holds_each_row_once_and_the_dataset_shows_it_only_after_success()
    {
        var (job, fence) = await RunningLoadAsync();
        await LoadAsync(fence, 120_001);

        Assert.Equal((120_001, 120_001), await Db.CountRecordsAsync(job.Id, Ct));
        Assert.Empty(await Records.ListRecordsAsync(new RecordQuery { Dataset = "ds" }, Ct));
        await SucceedAsync(job.Id, 120_001);
        var page = await Records.ListRecordsAsync(new RecordQuery { Dataset = "ds", Limit = 2, After = (job.Id, 5) }, Ct);
        Assert.Equal([6L, 7L], page.Select(r => r.RowNumber));
        Assert.Equal("""{"n":"6"}""", page[0].Data.Replace(" ", ""));
        Assert.Equal([new RecordFailure(7, "bad")], await Records.GetFailuresAsync(job.Id, 10, Ct));
        Assert.Equal(120_001, Assert.Single(await Records.ListDatasetsAsync(Ct)).Records);
    }

    /// <summary>The end of a load, as a worker ends it: succeeded, with its final counts.</summary>
    private async Task SucceedAsync(Guid id, long rows) =>
        Assert.Equal(1, await Store.CompleteAsync(Worker,
            [new Completion(id, JobOperation.Succeed, TransitionInput.None, new ProgressUpdate(id, rows, 0, rows))], Ct));

    private async Task<Job> TabularLoadAsync(string dataset, IReadOnlyList<string> columns, int rows)
    {
        var (job, fence) = await RunningLoadAsync(dataset);
        await using (var load = await Records.BeginLoadAsync(fence, Ct))
        {
            await load.SetColumnsAsync(columns, Ct);
            var buffer = new char[64];
            for (var i = 1; i <= rows; i++)
            {
                // One buffer for every row, as the CSV reader does: the load must copy what it keeps.
                var row = $$"""["{{i}}","{{job.Id.ToString()[..4]}}"]""";
                row.CopyTo(buffer);
                await load.AddAsync(i, buffer.AsMemory(0, row.Length), Ct);
            }
            await load.CompleteAsync([], Ct);
        }
        await SucceedAsync(job.Id, rows);
        return job;
    }

    [Fact]
    public async Task A_tabular_load_stores_arrays_once_per_row_and_reads_back_objects_in_column_order_across_jobs()
    {
        var first = await TabularLoadAsync("tab", ["n", "who"], 150);
        var second = await TabularLoadAsync("tab", ["n", "who"], 3);

        Assert.Equal((150, 150), await Db.CountRecordsAsync(first.Id, Ct));
        var one = await Records.ListRecordsAsync(new RecordQuery { JobId = first.Id, Limit = 1, After = (first.Id, 41) }, Ct);
        Assert.Equal($$"""{"n":"42","who":"{{first.Id.ToString()[..4]}}"}""", Assert.Single(one).Data);

        // A dataset's pages run through the first job's rows, then on into the second's.
        var seen = new List<(Guid, long)>();
        RecordQuery query = new() { Dataset = "tab", Limit = 40 };
        while (true)
        {
            var page = await Records.ListRecordsAsync(query, Ct);
            seen.AddRange(page.Select(r => (r.JobId, r.RowNumber)));
            if (page.Count < query.Limit) break;
            query = query with { After = (page[^1].JobId, page[^1].RowNumber) };
        }
        var expected = Enumerable.Range(1, 150).Select(n => (first.Id, (long)n)).Concat(Enumerable.Range(1, 3).Select(n => (second.Id, (long)n)));
        Assert.Equal(expected, seen);
        Assert.Equal(153, Assert.Single(await Records.ListDatasetsAsync(Ct), d => d.Name == "tab").Records);
    }

    [Fact]
    public async Task Wide_rows_past_a_chunk_s_byte_bound_read_back_whole_and_in_order()
    {
        var (job, fence) = await RunningLoadAsync("wide");
        // 24 rows of 1 MiB: more than one SQLite chunk by bytes, far fewer rows than a chunk by count.
        var rows = Enumerable.Range(1, 24).Select(i => $$"""{"n":{{i}},"s":"{{new string((char)('a' + i), 1 << 20)}}"}""").ToList();
        await using (var load = await Records.BeginLoadAsync(fence, Ct))
        {
            for (var i = 0; i < rows.Count; i++) await load.AddAsync(i + 1, rows[i].AsMemory(), Ct);
            await load.CompleteAsync([], Ct);
        }
        var read = new List<RecordRow>();
        RecordQuery query = new() { JobId = job.Id, Limit = 5 };
        while (true)
        {
            var page = await Records.ListRecordsAsync(query, Ct);
            read.AddRange(page);
            if (page.Count < query.Limit) break;
            query = query with { After = (job.Id, page[^1].RowNumber) };
        }
        Assert.Equal(Enumerable.Range(1, 24).Select(i => (long)i), read.Select(r => r.RowNumber));
        Assert.Equal(rows, read.Select(r => r.Data.Replace(" ", "")));
    }

    [Fact]
    public async Task Pages_of_every_size_start_and_end_inside_record_chunks_and_read_each_row_once_in_order()
    {
        // Rows of 10 to ~3,000 bytes (some alone past RecordChunks.MaxBytes, most packed many to a chunk), read back in
        // pages of 1, 7, 100 and 1,000 rows, by job and by dataset: every row once, in order, value for value.
        var (job, fence) = await RunningLoadAsync("mixed");
        string Row(int i) => $$"""{"n":{{i}},"s":"{{new string('x', i % 97 == 0 ? 3_000 : i % 13 * 11)}}"}""";
        await using (var load = await Records.BeginLoadAsync(fence, Ct))
        {
            for (var i = 1; i <= 2_000; i++) await load.AddAsync(i, Row(i).AsMemory(), Ct);
            await load.CompleteAsync([], Ct);
        }
        await SucceedAsync(job.Id, 2_000);
        foreach (var limit in new[] { 1, 7, 100, 1_000 })
        {
            foreach (var byDataset in new[] { false, true })
            {
                var read = new List<RecordRow>();
                RecordQuery query = byDataset ? new() { Dataset = "mixed", Limit = limit } : new() { JobId = job.Id, Limit = limit };
                while (read.Count <= 2_000)
                {
                    var page = await Records.ListRecordsAsync(query, Ct);
                    read.AddRange(page);
                    if (page.Count < limit) break;
                    query = query with { After = (job.Id, page[^1].RowNumber) };
                }
                Assert.Equal(Enumerable.Range(1, 2_000).Select(i => (long)i), read.Select(r => r.RowNumber));
                Assert.All(read, r => Assert.Equal(Row((int)r.RowNumber), r.Data.Replace(" ", "")));
            }
        }
        Assert.Equal((2_000, 2_000), await Db.CountRecordsAsync(job.Id, Ct));
    }

    [Fact]
    public async Task A_load_by_an_attempt_that_lost_the_job_is_refused_and_leaves_nothing()
    {
        var (job, fence) = await RunningLoadAsync();
        await using (var load = await Records.BeginLoadAsync(fence, Ct))
        {
            for (var i = 1; i <= 60_000; i++) await load.AddAsync(i, "{}".AsMemory(), Ct);
            // The lease expires and another worker takes the job while this attempt is still loading.
            Clock.Advance(Lease + TimeSpan.FromSeconds(1));
            Assert.Equal(1, await Store.RescueExpiredAsync(10, Ct));
            var again = await ClaimOnlyAsync(job.Id, OtherWorker);
            Assert.Equal(fence.Attempt + 1, again.Attempt);
            await Assert.ThrowsAsync<LoadFencedException>(() => load.CompleteAsync([], Ct));
        }
        // Whatever the lost attempt wrote before it was stopped, the next attempt's load replaces it.
        var next = fence with { Owner = OtherWorker, Attempt = fence.Attempt + 1 };
        await LoadAsync(next, 10);
        Assert.Equal((10, 10), await Db.CountRecordsAsync(job.Id, Ct));
        await Assert.ThrowsAsync<LoadFencedException>(() => Records.BeginLoadAsync(fence, Ct));
    }

    [Fact]
    public async Task A_retried_load_replaces_the_rows_an_earlier_attempt_committed()
    {
        var (job, fence) = await RunningLoadAsync();
        await LoadAsync(fence, 70_000);
        // The worker dies after its load committed but before the job was marked succeeded.
        Clock.Advance(Lease + TimeSpan.FromSeconds(1));
        await Store.RescueExpiredAsync(10, Ct);
        var again = await ClaimOnlyAsync(job.Id);
        await LoadAsync(fence with { Attempt = again.Attempt }, 70_000);
        Assert.Equal((70_000, 70_000), await Db.CountRecordsAsync(job.Id, Ct));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_job_that_ends_failed_or_cancelled_leaves_no_rows(bool cancel)
    {
        var (job, fence) = await RunningLoadAsync();
        await LoadAsync(fence, 100);
        if (cancel)
        {
            await Store.ApplyAsync(job.Id, JobOperation.Cancel, Audit(Operator), Ct);
            await CompleteAsync(job.Id, JobOperation.AcknowledgeCancel);
        }
        else
        {
            await Store.CompleteAsync(Worker, [new Completion(job.Id, JobOperation.Fail, new TransitionInput { Error = "no" })], Ct);
            Clock.Advance(TimeSpan.FromHours(2));
            for (var attempt = 2; attempt <= job.MaxAttempts; attempt++)
            {
                await ClaimOnlyAsync(job.Id);
                await Store.CompleteAsync(Worker, [new Completion(job.Id, JobOperation.Fail, new TransitionInput { Error = "no" })], Ct);
                Clock.Advance(TimeSpan.FromHours(2));
            }
        }
        Assert.Equal(cancel ? "cancelled" : "failed", (await Db.JobRowAsync(job.Id, Ct)).Status);
        Assert.Equal((0, 0), await Db.CountRecordsAsync(job.Id, Ct));
    }

    [Fact]
    public async Task Uploads_create_their_jobs_files_and_detection_results_together()
    {
        var job = ANewJob.OfType("csv").WithDataset("up").Build();
        var file = new StoredFile(job.Id, $"uploads/{job.Id}/a.csv", "../a.csv", 12, "abc", "text/csv", Now);
        var created = await Records.CreateWithFilesAsync([new NewUpload(job, file, "csv", """{"type":"csv"}""")], Audit(action: "job.upload"), Ct);

        Assert.Equal("queued", (await Db.JobRowAsync(Assert.Single(created).Id, Ct)).Status);
        var stored = await Records.GetFileAsync(job.Id, Ct);
        Assert.Equal((file.Path, file.OriginalName, file.Size, file.Sha256), (stored!.Path, stored.OriginalName, stored.Size, stored.Sha256));
        var detection = await Records.GetDetectionAsync(job.Id, Ct);
        Assert.Equal("csv", detection!.ContentType);
        Assert.Contains("\"csv\"", detection.Result);
        Assert.Null(await Records.GetFileAsync(Guid.NewGuid(), Ct));
    }
}
