using static Conveyor.Core.JobStatus;

namespace Conveyor.Core.Tests;

/// <summary>SPEC §5's badge table as the oracle, then the edge cases it implies.</summary>
public sealed class SessionBadgeTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static Job AJob(string type, JobStatus status, int minute, Guid? id = null) => new()
    {
        Id = id ?? Guid.NewGuid(),
        Type = type,
        Status = status,
        ScheduledAt = T0.AddMinutes(minute),
        CreatedAt = T0.AddMinutes(minute),
        UpdatedAt = T0.AddMinutes(minute),
    };

    private static Job Transcription(JobStatus status, int minute = 0) => AJob(SessionJobTypes.Transcription, status, minute);

    private static Job Summarization(JobStatus status, int minute = 1) => AJob(SessionJobTypes.Summarization, status, minute);

    private static void Badge(string label, string style, params Job[] jobs)
    {
        var badge = SessionBadge.Of(jobs);
        Assert.Equal((label, style), (badge.Label, badge.Style));
    }

    [Fact]
    public void No_jobs_is_Draft_neutral() => Badge("Draft", "neutral");

    [Fact]
    public void A_queued_transcription_is_Queued_info() => Badge("Queued", "info", Transcription(Queued));

    [Fact]
    public void A_running_transcription_is_Transcribing_progress() => Badge("Transcribing", "progress", Transcription(Running));

    [Fact]
    public void A_running_summarization_is_Summarizing_progress() =>
        Badge("Summarizing", "progress", Transcription(Succeeded), Summarization(Running));

    [Fact]
    public void A_succeeded_summarization_is_Ready_success() =>
        Badge("Ready", "success", Transcription(Succeeded), Summarization(Succeeded));

    [Fact]
    public void A_failed_transcription_is_Failed_danger() => Badge("Failed", "danger", Transcription(Failed));

    [Fact]
    public void A_failed_summarization_is_Failed_danger() =>
        Badge("Failed", "danger", Transcription(Succeeded), Summarization(Failed));

    [Fact]
    public void A_cancelled_transcription_is_Cancelled_muted() => Badge("Cancelled", "muted", Transcription(Cancelled));

    [Fact]
    public void A_queued_summarization_after_its_transcription_is_Queued() =>
        Badge("Queued", "info", Transcription(Succeeded), Summarization(Queued));

    [Fact]
    public void A_cancelled_summarization_after_a_succeeded_transcription_is_Cancelled() =>
        Badge("Cancelled", "muted", Transcription(Succeeded), Summarization(Cancelled));

    [Fact]
    public void A_transcription_requeued_in_place_after_failing_is_Queued() =>
        // Requeue keeps the job: the failed transcription is queued again.
        Badge("Queued", "info", Transcription(Queued));

    [Fact]
    public void A_retried_transcription_follows_the_new_job_not_the_failed_original()
    {
        Badge("Transcribing", "progress", Transcription(Failed, minute: 0), Transcription(Running, minute: 5));
        Badge("Ready", "success", Transcription(Failed, 0), Transcription(Succeeded, 5), Summarization(Succeeded, 6));
    }

    [Fact]
    public void The_latest_job_decides_whatever_order_the_jobs_come_in()
    {
        var failedOriginal = Transcription(Failed, 0);
        var retry = Transcription(Succeeded, 5);
        var summary = Summarization(Running, 6);
        Badge("Summarizing", "progress", summary, failedOriginal, retry);
        Badge("Summarizing", "progress", retry, summary, failedOriginal);
        Badge("Summarizing", "progress", failedOriginal, summary, retry);
    }

    [Fact]
    public void A_requeued_summarization_shows_Queued_again_not_the_earlier_failure() =>
        Badge("Queued", "info", Transcription(Succeeded, 0), Summarization(Queued, 1));

    [Fact]
    public void A_session_re_transcribed_after_it_was_ready_is_Transcribing() =>
        Badge("Transcribing", "progress", Transcription(Succeeded, 0), Summarization(Succeeded, 1), Transcription(Running, 9));

    [Fact]
    public void A_succeeded_transcription_whose_summarization_is_not_visible_yet_waits_as_Queued() =>
        Badge("Queued", "info", Transcription(Succeeded));

    [Fact]
    public void On_equal_creation_times_the_summarization_is_the_later_step()
    {
        Badge("Ready", "success", Summarization(Succeeded, 0), Transcription(Succeeded, 0));
        Badge("Ready", "success", Transcription(Succeeded, 0), Summarization(Succeeded, 0));
    }

    [Fact]
    public void On_equal_creation_time_and_type_the_larger_id_is_the_later_job()
    {
        var low = AJob(SessionJobTypes.Transcription, Failed, 0, Guid.Parse("00000000-0000-0000-0000-000000000001"));
        var high = AJob(SessionJobTypes.Transcription, Running, 0, Guid.Parse("00000000-0000-0000-0000-000000000002"));
        Badge("Transcribing", "progress", low, high);
        Badge("Transcribing", "progress", high, low);
    }

    [Fact]
    public void Jobs_of_other_types_do_not_change_the_badge()
    {
        Badge("Draft", "neutral", AJob("csv", Running, 3));
        Badge("Ready", "success", Transcription(Succeeded, 0), Summarization(Succeeded, 1), AJob("noop", Failed, 9));
        Badge("Transcribing", "progress", AJob("noop", Failed, 0), Transcription(Running, 1));
    }

    [Fact]
    public void Of_two_summarizations_the_one_created_later_decides()
    {
        Badge("Failed", "danger", Transcription(Succeeded, 0), Summarization(Failed, 2), Summarization(Succeeded, 1));
        Badge("Ready", "success", Transcription(Succeeded, 0), Summarization(Succeeded, 2), Summarization(Failed, 1));
    }
}
