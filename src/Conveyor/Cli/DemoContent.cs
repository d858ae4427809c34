using Conveyor.Application;
using Conveyor.Core;
using Conveyor.Sessions;
using Conveyor.Sessions.Pipeline;
using Conveyor.Sessions.Summaries;
using Conveyor.Storage;

namespace Conveyor.Cli;

/// <summary>
/// What <c>conveyor demo seed</c> writes (seed 000's mocks): two courses whose sessions show every badge of SPEC §5, and
/// jobs in every status, all marked <c>synthetic</c>. Jobs left queued are scheduled ten years out and running ones
/// hold no lease, so a running server's workers never pick them up and its rescuer never touches them.
/// </summary>
public static class DemoContent
{
    public const string Actor = "demo";

    public static readonly string[] Courses = ["demo-bio-101", "demo-chem-200"];

    private const string Captions = """
        WEBVTT

        00:00.000 --> 00:05.000
        <v Dr. Ada>Welcome back. Today we look at how cells make energy.

        00:05.000 --> 00:11.000
        The mitochondria turn sugar and oxygen into the energy a cell can use.

        00:11.000 --> 00:16.500
        Muscle cells hold many mitochondria, because they need the most energy.
        """;

    private static readonly (JobOperation, TransitionInput) Claim = (JobOperation.Claim, TransitionInput.None);
    private static readonly (JobOperation, TransitionInput) Succeed = (JobOperation.Succeed, TransitionInput.None);
    private static readonly (JobOperation, TransitionInput) Cancel = (JobOperation.Cancel, TransitionInput.None);

    private static (JobOperation, TransitionInput) Fail(string error) => (JobOperation.Discard, new TransitionInput { Error = error });

    public static DemoSeed Build(DateTimeOffset now)
    {
        var transcript = TranscriptReader.Read(Captions, "demo.vtt").Transcript!;
        var transcriptJson = SessionJson.Write(transcript);
        var summaryJson = SessionJson.Write(ExtractiveSummarizer.Summarize(transcript.Text));
        var later = now.AddYears(10);
        var sessions = new List<NewSession>();
        var jobs = new List<DemoJob>();

        NewJob Job(string type, Guid? session = null, DateTimeOffset? scheduledAt = null) =>
            NewJobs.From(new JobCreateRequest { Type = type, SourceType = "demo", ScheduledAt = scheduledAt }, Actor) with
            {
                SessionId = session,
                Synthetic = true,
            };

        foreach (var course in Courses)
        {
            NewSession Session(string title)
            {
                var session = new NewSession { CourseId = course, Title = title, Synthetic = true, CreatedBy = Actor };
                sessions.Add(session);
                return session;
            }
            void Transcription(NewSession s, params (JobOperation, TransitionInput)[] path) =>
                jobs.Add(new DemoJob(Job(SessionJobTypes.Transcription, s.Id, path.Length == 0 ? later : null), path, transcriptJson));
            void Summarization(NewSession s, params (JobOperation, TransitionInput)[] path) =>
                jobs.Add(new DemoJob(Job(SessionJobTypes.Summarization, s.Id), path, summaryJson));

            Session("Week 0: reading list (draft)");
            Transcription(Session("Week 1: queued"));
            Transcription(Session("Week 2: transcribing"), Claim);
            var summarizing = Session("Week 3: summarizing");
            Transcription(summarizing, Claim, Succeed);
            Summarization(summarizing, Claim);
            var ready = Session("Week 4: ready");
            Transcription(ready, Claim, Succeed);
            Summarization(ready, Claim, Succeed);
            Transcription(Session("Week 5: failed"), Claim, Fail("The transcription engine did not finish within 1800 seconds."));
            Transcription(Session("Week 6: cancelled"), Cancel);
        }

        jobs.Add(new DemoJob(Job("noop", scheduledAt: later), []));
        jobs.Add(new DemoJob(Job("noop"), [Claim]));
        jobs.Add(new DemoJob(Job("noop"), [Claim, Succeed]));
        jobs.Add(new DemoJob(Job("csv"), [Claim, Fail("3 of 10 rows failed to parse, more than the allowed error ratio of 10.0%.")]));
        jobs.Add(new DemoJob(Job("noop"), [Cancel]));
        return new DemoSeed(sessions, jobs);
    }
}
