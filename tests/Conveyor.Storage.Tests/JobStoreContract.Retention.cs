using Conveyor.Core;

namespace Conveyor.Storage.Tests;

/// <summary>Pruning finished jobs: oldest first, in batches, with what hangs off them; never a live job, never an audit event.</summary>
public abstract partial class JobStoreContract
{
    private IJobRetention Retention => (IJobRetention)Store;

    /// <summary>An upload whose load of <paramref name="rows"/> rows succeeded.</summary>
    private async Task<Job> ALoadedUploadAsync(int rows)
    {
        var job = ANewJob.OfType("csv").WithDataset("kept").Build();
        await Records.CreateWithFilesAsync([new NewUpload(job, new StoredFile(job.Id, $"uploads/{job.Id}/a.csv", "a.csv", 12, "abc", "text/csv", Now), "csv",
            """{"type":"csv"}""")], Audit(action: "job.upload"), Ct);
        var claimed = await ClaimOnlyAsync(job.Id);
        await LoadAsync(new LoadFence(claimed.Id, Worker, claimed.Attempt, "kept"), rows);
        await SucceedAsync(job.Id, rows);
        return claimed;
    }

    [Fact]
    public async Task Prune_deletes_finished_jobs_older_than_the_cutoff_oldest_first_with_their_events_and_keeps_the_rest()
    {
        // Every job a claim takes comes before the queued ones, so each claim takes the job meant.
        var running = await AJobThatIs(Situation.Running);
        var succeeded = await AJobThatIs(Situation.Succeeded);
        var failed = await AJobThatIs(Situation.Failed);
        var cancelled = await AJobThatIs(Situation.Cancelled);
        var upload = await ALoadedUploadAsync(30);
        var retry = (await Store.RetryAsNewAsync(failed.Id, RetryOf, Audit(), Ct)).Retry!;
        var queued = await AJobThatIs(Situation.Queued);
        Clock.Advance(TimeSpan.FromDays(10));
        var cutoff = Now - TimeSpan.FromDays(7);
        var recent = await AJobThatIs(Situation.Succeeded, ANewJob.Noop().WithPriority(10)); // claimed before the queued ones
        var audits = await Db.ScalarTextAsync("SELECT count(*) FROM audit_events", Ct);

        var first = await Retention.PruneFinishedAsync(cutoff, 2, withRecords: false, Ct);
        Assert.Equal((2, 0), (first.Jobs, first.FilePaths.Count));
        Assert.Null(await Db.FindJobRowAsync(succeeded.Id, Ct));
        Assert.Null(await Db.FindJobRowAsync(failed.Id, Ct));
        Assert.NotNull(await Db.FindJobRowAsync(cancelled.Id, Ct));
        Assert.Empty(await Db.EventRowsAsync(succeeded.Id, Ct));

        var rest = await Retention.PruneFinishedAsync(cutoff, 100, withRecords: false, Ct);
        Assert.Equal(1, rest.Jobs); // the cancelled one; the upload keeps its records, and so its job
        foreach (var kept in new[] { retry.Id, upload.Id, queued.Id, running.Id, recent.Id })
            Assert.NotNull(await Db.FindJobRowAsync(kept, Ct));
        Assert.Empty(await Db.RetriesOfAsync(failed.Id, Ct));
        Assert.Null((await Store.GetAsync(retry.Id, Ct))!.RetryOf);
        Assert.Equal(audits, await Db.ScalarTextAsync("SELECT count(*) FROM audit_events", Ct));
        Assert.Equal(0, (await Retention.PruneFinishedAsync(cutoff, 100, withRecords: false, Ct)).Jobs);
    }

    [Fact]
    public async Task Prune_with_records_deletes_a_loaded_upload_with_its_records_and_reports_its_file()
    {
        var upload = await ALoadedUploadAsync(25);
        Assert.Equal((25, 25), await Db.CountRecordsAsync(upload.Id, Ct));
        Clock.Advance(TimeSpan.FromDays(2));

        var pruned = await Retention.PruneFinishedAsync(Now - TimeSpan.FromDays(1), 10, withRecords: true, Ct);

        Assert.Equal(1, pruned.Jobs);
        Assert.Equal([$"uploads/{upload.Id}/a.csv"], pruned.FilePaths);
        Assert.Null(await Db.FindJobRowAsync(upload.Id, Ct));
        Assert.Equal((0, 0), await Db.CountRecordsAsync(upload.Id, Ct));
        Assert.Empty(await Retention.FindStoredPathsAsync([$"uploads/{upload.Id}/a.csv"], Ct));
    }

    [Fact]
    public async Task Prune_keeps_a_sessions_finished_jobs_and_their_results_even_with_records()
    {
        var (session, transcription) = await CreateSessionAsync();
        await ClaimOnlyAsync(transcription.Id);
        await Store.CompleteAsync(Worker, [new Completion(transcription.Id, JobOperation.Succeed, TransitionInput.None, Result: TranscriptJson)], Ct);
        var loose = await AJobThatIs(Situation.Succeeded);
        Clock.Advance(TimeSpan.FromDays(2));

        var pruned = await Retention.PruneFinishedAsync(Now - TimeSpan.FromDays(1), 10, withRecords: true, Ct);

        Assert.Equal(1, pruned.Jobs);
        Assert.Null(await Db.FindJobRowAsync(loose.Id, Ct));
        Assert.Equal("succeeded", (await Db.JobRowAsync(transcription.Id, Ct)).Status);
        Assert.Contains("\"Hello.\"", (await Sessions.GetSessionAsync(session.Id, Ct))!.TranscriptJson, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stored_paths_are_found_by_exact_path_only()
    {
        var upload = await ALoadedUploadAsync(1);
        var path = $"uploads/{upload.Id}/a.csv";
        Assert.Equal([path], await Retention.FindStoredPathsAsync([path, $"uploads/{upload.Id}/b.csv", "uploads/x/a.csv"], Ct));
    }

    [Fact]
    public async Task Statistics_count_jobs_by_type_and_status_and_the_oldest_due_queued_job()
    {
        await AJobThatIs(Situation.Succeeded);
        var oldest = await AJobThatIs(Situation.Queued);
        await AJobThatIs(Situation.Queued, ANewJob.OfType("sleep"));
        await CreateAsync(ANewJob.Noop().ScheduledAt(Now.AddHours(1)));

        var stats = await ((IJobStatistics)Store).ReadJobStatisticsAsync(Now, Ct);

        Assert.Equal([new JobCount("noop", "queued", 2), new JobCount("noop", "succeeded", 1), new JobCount("sleep", "queued", 1)], stats.Counts);
        var noop = Assert.Single(stats.Queues, q => q.Type == "noop");
        Assert.Equal((1L, oldest.ScheduledAt), (noop.Due, noop.OldestDueSince));
    }
}
