using Conveyor.Core;

namespace Conveyor.Storage.Tests;

/// <summary>The sessions pipeline's store: a session with its first job in one transaction, results and follow-ups with a success.</summary>
public abstract partial class JobStoreContract
{
    private ISessionStore Sessions => (ISessionStore)Store;

    private const string TranscriptJson = """{"format":"text","language":null,"duration_seconds":null,"text":"Hello.","segments":[]}""";
    private const string SummaryJson = """{"method":"extractive","text":"Hello.","key_points":["Hello."],"word_count":1}""";

    private static NewSession ASession(string course = "bio-101", bool synthetic = false) =>
        new() { CourseId = course, Title = "Week 1", CreatedBy = "tutor", Synthetic = synthetic };

    private async Task<(NewSession Session, Job Job)> CreateSessionAsync(string course = "bio-101", bool synthetic = false)
    {
        var session = ASession(course, synthetic);
        var job = await Sessions.CreateSessionAsync(session, ANewJob.OfType(SessionJobTypes.Transcription), file: null,
            Audit("tutor", "session.create"), Ct);
        return (session, job);
    }

    private static NewJob Summarization(Guid sessionId) => ANewJob.OfType(SessionJobTypes.Summarization).InSession(sessionId).Build();

    [Fact]
    public async Task A_session_commits_with_its_queued_job_its_file_and_one_audit_event()
    {
        var session = ASession();
        var job = ANewJob.OfType(SessionJobTypes.Transcription).WithFile("week1.vtt", 120, "text/vtt").Build();
        var file = new StoredFile(job.Id, $"uploads/{job.Id}/week1.vtt", "week1.vtt", 120, new string('a', 64), "text/vtt", Now);

        var queued = await Sessions.CreateSessionAsync(session, job, file, Audit("tutor", "session.create"), Ct);

        Assert.Equal((job.Id, (Guid?)session.Id, JobStatus.Queued), (queued.Id, queued.SessionId, queued.Status));
        Assert.Equal("queued", (await Db.JobRowAsync(job.Id, Ct)).Status);
        Assert.Equal(session.Id.ToString(), await Db.ScalarTextAsync($"SELECT session_id FROM jobs WHERE id = '{job.Id}'", Ct));
        Assert.Equal("week1.vtt", (await ((IRecordLoader)Store).GetFileAsync(job.Id, Ct))!.OriginalName);
        var audit = await ((IAuditStore)Store).ListAuditAsync(new AuditQuery { Action = "session.create" }, Ct);
        Assert.Equal([(session.Id.ToString(), "applied", "tutor")], audit.Select(a => (a.Target, a.Outcome, a.Actor)));

        var read = await Sessions.GetSessionAsync(session.Id, Ct);
        Assert.NotNull(read);
        Assert.Equal(("bio-101", "Week 1", "tutor", false, Now), (read.CourseId, read.Title, read.CreatedBy, read.Synthetic, read.CreatedAt));
        Assert.Equal([job.Id], read.Jobs.Select(j => j.Id));
        Assert.Null(read.TranscriptJson);
        Assert.Null(read.SummaryJson);
        Assert.Null(await Sessions.GetSessionAsync(Guid.NewGuid(), Ct));
    }

    [Fact]
    public async Task A_success_stores_its_result_and_enqueues_its_follow_up_in_the_same_transaction()
    {
        var (session, transcription) = await CreateSessionAsync();
        await ClaimOnlyAsync(transcription.Id);
        var next = Summarization(session.Id);
        Clock.Advance(TimeSpan.FromSeconds(1));

        var written = await Store.CompleteAsync(Worker,
            [new Completion(transcription.Id, JobOperation.Succeed, TransitionInput.None, Result: TranscriptJson, FollowUps: [next])], Ct);

        Assert.Equal(1, written);
        Assert.Equal("succeeded", (await Db.JobRowAsync(transcription.Id, Ct)).Status);
        var followUp = await Db.JobRowAsync(next.Id, Ct);
        Assert.Equal(("queued", Now), (followUp.Status, followUp.CreatedAt));
        Assert.Equal([("created", "test")], (await Db.EventRowsAsync(next.Id, Ct)).Select(e => (e.Type, e.Actor)));
        Assert.Contains("\"Hello.\"", await Sessions.GetResultAsync(transcription.Id, Ct), StringComparison.Ordinal);

        var read = (await Sessions.GetSessionAsync(session.Id, Ct))!;
        Assert.Equal([transcription.Id, next.Id], read.Jobs.Select(j => j.Id));
        Assert.Contains("\"Hello.\"", read.TranscriptJson, StringComparison.Ordinal);
        Assert.Null(read.SummaryJson);
        Assert.Equal(Now, read.UpdatedAt);

        // The follow-up is due at once and is the next job claimed.
        await ClaimOnlyAsync(next.Id);
        await Store.CompleteAsync(Worker, [new Completion(next.Id, JobOperation.Succeed, TransitionInput.None, Result: SummaryJson)], Ct);
        Assert.Contains("\"extractive\"", (await Sessions.GetSessionAsync(session.Id, Ct))!.SummaryJson, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_outcome_whose_lease_was_lost_writes_no_result_and_enqueues_nothing_so_the_follow_up_comes_once()
    {
        var (session, transcription) = await CreateSessionAsync();
        await ClaimOnlyAsync(transcription.Id);
        Clock.Advance(Lease + TimeSpan.FromSeconds(1));
        Assert.Equal(1, await Store.RescueExpiredAsync(10, Ct));
        await ClaimOnlyAsync(transcription.Id, OtherWorker);
        var jobsBefore = await Db.CountJobsAsync(Ct);

        // The first worker finishes late: its lease is gone, so its outcome is skipped whole.
        var late = await Store.CompleteAsync(Worker,
            [new Completion(transcription.Id, JobOperation.Succeed, TransitionInput.None, Result: TranscriptJson, FollowUps: [Summarization(session.Id)])], Ct);
        Assert.Equal(0, late);
        Assert.Equal(jobsBefore, await Db.CountJobsAsync(Ct));
        Assert.Null(await Sessions.GetResultAsync(transcription.Id, Ct));

        var current = await Store.CompleteAsync(OtherWorker,
            [new Completion(transcription.Id, JobOperation.Succeed, TransitionInput.None, Result: TranscriptJson, FollowUps: [Summarization(session.Id)])], Ct);
        Assert.Equal(1, current);
        var read = (await Sessions.GetSessionAsync(session.Id, Ct))!;
        Assert.Equal([SessionJobTypes.Transcription, SessionJobTypes.Summarization], read.Jobs.Select(j => j.Type));
    }

    [Theory]
    [InlineData(JobOperation.Fail)]
    [InlineData(JobOperation.Discard)]
    [InlineData(JobOperation.AcknowledgeCancel)]
    public async Task An_outcome_other_than_success_writes_neither_its_result_nor_its_follow_ups(JobOperation operation)
    {
        var (session, transcription) = await CreateSessionAsync();
        await ClaimOnlyAsync(transcription.Id);
        if (operation == JobOperation.AcknowledgeCancel) await Store.ApplyAsync(transcription.Id, JobOperation.Cancel, Audit(), Ct);
        var jobsBefore = await Db.CountJobsAsync(Ct);

        await Store.CompleteAsync(Worker, [new Completion(transcription.Id, operation,
            new TransitionInput { Error = "no", RetryAt = Now.AddMinutes(1) }, Result: TranscriptJson, FollowUps: [Summarization(session.Id)])], Ct);

        Assert.NotEqual("running", (await Db.JobRowAsync(transcription.Id, Ct)).Status);
        Assert.Equal(jobsBefore, await Db.CountJobsAsync(Ct));
        Assert.Null(await Sessions.GetResultAsync(transcription.Id, Ct));
    }

    [Fact]
    public async Task A_success_reported_after_a_cancel_request_still_records_its_result_and_follow_up()
    {
        // The work is done: the status machine records the success, and with it what the success produces.
        var (session, transcription) = await CreateSessionAsync();
        await ClaimOnlyAsync(transcription.Id);
        await Store.ApplyAsync(transcription.Id, JobOperation.Cancel, Audit(), Ct);
        var next = Summarization(session.Id);

        await Store.CompleteAsync(Worker, [new Completion(transcription.Id, JobOperation.Succeed, TransitionInput.None, Result: TranscriptJson, FollowUps: [next])], Ct);

        Assert.Equal("succeeded", (await Db.JobRowAsync(transcription.Id, Ct)).Status);
        Assert.Equal("queued", (await Db.JobRowAsync(next.Id, Ct)).Status);
        Assert.NotNull(await Sessions.GetResultAsync(transcription.Id, Ct));
    }

    [Fact]
    public async Task Sessions_list_newest_first_by_course_and_synthetic_and_page_by_cursor_without_transcripts()
    {
        var created = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            created.Add((await CreateSessionAsync("bio-101", synthetic: i == 4)).Session.Id);
            Clock.Advance(TimeSpan.FromSeconds(1));
        }
        var other = (await CreateSessionAsync("chem-200")).Session.Id;

        var first = await Sessions.ListSessionsAsync(new SessionQuery("bio-101", Limit: 2), Ct);
        Assert.Equal([created[4], created[3]], first.Items.Select(s => s.Id));
        Assert.NotNull(first.Next);
        var second = await Sessions.ListSessionsAsync(new SessionQuery("bio-101", Limit: 2, After: first.Next), Ct);
        Assert.Equal([created[2], created[1]], second.Items.Select(s => s.Id));
        var last = await Sessions.ListSessionsAsync(new SessionQuery("bio-101", Limit: 2, After: second.Next), Ct);
        Assert.Equal([created[0]], last.Items.Select(s => s.Id));
        Assert.Null(last.Next);

        Assert.Equal([created[4]], (await Sessions.ListSessionsAsync(new SessionQuery("bio-101", Synthetic: true), Ct)).Items.Select(s => s.Id));
        Assert.Equal(4, (await Sessions.ListSessionsAsync(new SessionQuery("bio-101", Synthetic: false), Ct)).Items.Count);
        Assert.Equal(other, (await Sessions.ListSessionsAsync(new SessionQuery(), Ct)).Items[0].Id);
        Assert.All(first.Items, s => Assert.Single(s.Jobs));
        Assert.True((await Db.JobRowAsync(first.Items[0].Jobs[0].Id, Ct)).Status == "queued");
    }

    [Fact]
    public async Task A_list_carries_summaries_and_only_asks_for_transcripts_when_told()
    {
        var (session, transcription) = await CreateSessionAsync();
        await ClaimOnlyAsync(transcription.Id);
        var next = Summarization(session.Id);
        await Store.CompleteAsync(Worker, [new Completion(transcription.Id, JobOperation.Succeed, TransitionInput.None, Result: TranscriptJson, FollowUps: [next])], Ct);
        await ClaimOnlyAsync(next.Id);
        await Store.CompleteAsync(Worker, [new Completion(next.Id, JobOperation.Succeed, TransitionInput.None, Result: SummaryJson)], Ct);

        var listed = (await Sessions.ListSessionsAsync(new SessionQuery(), Ct)).Items.Single();
        Assert.Null(listed.TranscriptJson);
        Assert.Contains("\"word_count\"", listed.SummaryJson, StringComparison.Ordinal);
        var withTranscripts = (await Sessions.ListSessionsAsync(new SessionQuery(WithTranscripts: true), Ct)).Items.Single();
        Assert.Contains("\"Hello.\"", withTranscripts.TranscriptJson, StringComparison.Ordinal);
    }
}
