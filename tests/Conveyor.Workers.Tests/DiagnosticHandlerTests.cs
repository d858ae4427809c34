using System.Collections.Concurrent;
using Conveyor.Core;
using Conveyor.Workers.Handlers;
using Conveyor.Workers.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Conveyor.Workers.Tests;

/// <summary>The diagnostic handlers (<c>noop</c>, <c>sleep</c>, <c>fail</c>) and the registry that finds a job's handler.</summary>
public sealed class DiagnosticHandlerTests
{
    private readonly TestClock _clock = new();
    private readonly Reports _progress = new();

    private JobContext Context(string type, string metadata = "{}") =>
        new(AJob.Running(type) with { Metadata = JobMetadata.Parse(metadata) }, _progress, NullLogger.Instance);

    /// <summary>Moves the clock one step once the handler sleeps on it, and returns what it reported by then.</summary>
    private async Task<IReadOnlyList<(long, long, long?)>> StepAsync(int timers, TimeSpan step)
    {
        await _clock.WaitForTimersAsync(timers, $"the sleep handler's timer #{timers}");
        _clock.Advance(step);
        return _progress.All;
    }

    [Fact]
    public async Task Sleep_waits_its_seconds_on_the_clock_reporting_each_second_done_out_of_the_whole_seconds_started()
    {
        var run = new SleepHandler(_clock).HandleAsync(Context("sleep", """{"seconds": 2.5}"""), CancellationToken.None);

        Assert.Equal([(0L, 0L, (long?)3)], _progress.All);
        await StepAsync(1, TimeSpan.FromSeconds(1));
        await Until.TrueAsync(() => _progress.All.Count == 2, "the first second's report");
        await StepAsync(2, TimeSpan.FromSeconds(1));
        await Until.TrueAsync(() => _progress.All.Count == 3, "the second second's report");
        Assert.False(run.IsCompleted);
        await StepAsync(3, TimeSpan.FromMilliseconds(499));
        Assert.False(run.IsCompleted);
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        await run;

        Assert.Equal([(0L, 0L, (long?)3), (1, 0, 3), (2, 0, 3), (3, 0, 3)], _progress.All);
    }

    [Fact]
    public async Task Sleep_without_seconds_sleeps_one_second()
    {
        var run = new SleepHandler(_clock).HandleAsync(Context("sleep"), CancellationToken.None);

        await _clock.WaitForTimersAsync(1, "the sleep");
        _clock.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(run.IsCompleted);
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        await run;
        Assert.Equal([(0L, 0L, (long?)1), (1, 0, 1)], _progress.All);
    }

    [Theory]
    [InlineData("""{"seconds": -5}""")]
    [InlineData("""{"seconds": 0}""")]
    public async Task Sleep_of_no_time_or_negative_time_ends_at_once_with_nothing_to_do(string metadata)
    {
        await new SleepHandler(_clock).HandleAsync(Context("sleep", metadata), CancellationToken.None);

        Assert.Equal([(0L, 0L, (long?)0)], _progress.All);
        Assert.Equal(0, _clock.TimersCreated);
    }

    [Fact]
    public async Task Sleep_longer_than_a_day_is_cut_to_a_day()
    {
        using var cancel = new CancellationTokenSource();
        var run = new SleepHandler(_clock).HandleAsync(Context("sleep", """{"seconds": 1e9}"""), cancel.Token);

        Assert.Equal([(0L, 0L, (long?)(24 * 3600))], _progress.All);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
    }

    [Fact]
    public async Task Sleep_honours_a_cancel_mid_way_and_reports_only_the_seconds_done()
    {
        using var cancel = new CancellationTokenSource();
        var run = new SleepHandler(_clock).HandleAsync(Context("sleep", """{"seconds": 10}"""), cancel.Token);
        await StepAsync(1, TimeSpan.FromSeconds(1));
        await _clock.WaitForTimersAsync(2, "the second second");

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.Equal([(0L, 0L, (long?)10), (1, 0, 10)], _progress.All);
    }

    [Fact]
    public async Task Fail_fails_with_the_message_its_metadata_gives_as_a_failure_a_retry_may_fix()
    {
        var e = await Assert.ThrowsAsync<JobFailedException>(() =>
            new FailHandler().HandleAsync(Context("fail", """{"message": "Row 7 has no id."}"""), CancellationToken.None));

        Assert.Equal(("Row 7 has no id.", true), (e.Message, e.Retryable));
    }

    [Fact]
    public async Task Fail_without_a_message_fails_with_the_default_one()
    {
        var e = await Assert.ThrowsAsync<JobFailedException>(() => new FailHandler().HandleAsync(Context("fail"), CancellationToken.None));

        Assert.Equal("The fail job failed, as asked.", e.Message);
    }

    [Fact]
    public void A_permanent_failure_says_no_retry_can_fix_it()
    {
        var e = JobFailedException.Permanent("Malformed JSON on line 3.");

        Assert.Equal(("Malformed JSON on line 3.", false), (e.Message, e.Retryable));
    }

    [Fact]
    public async Task Noop_succeeds_at_once_and_reports_nothing()
    {
        var handler = new NoopHandler();

        await handler.HandleAsync(Context("noop"), CancellationToken.None);

        Assert.Equal("noop", handler.Type);
        Assert.Empty(_progress.All);
    }

    [Fact]
    public void The_registry_finds_each_handler_by_its_exact_type_and_knows_no_other()
    {
        var registry = new JobHandlerRegistry([new NoopHandler(), new SleepHandler(_clock), new FailHandler()]);

        Assert.Equal(new HashSet<string> { "noop", "sleep", "fail" }, registry.Types.ToHashSet());
        Assert.IsType<SleepHandler>(registry.Find("sleep"));
        Assert.True(registry.IsKnown("fail"));
        Assert.False(registry.IsKnown("Fail"));
        Assert.Null(registry.Find("NOOP"));
        Assert.Null(registry.Find("csv"));
    }

    [Fact]
    public void Two_handlers_for_one_type_are_refused_naming_the_type()
    {
        var e = Assert.Throws<InvalidOperationException>(() => new JobHandlerRegistry([new NoopHandler(), TestHandler.Noop("noop")]));

        Assert.Equal("Two handlers are registered for job type 'noop'.", e.Message);
    }

    private sealed class Reports : IProgressReporter
    {
        private readonly ConcurrentQueue<(long, long, long?)> _all = new();

        public IReadOnlyList<(long, long, long?)> All => [.. _all];

        public void Report(long recordsProcessed, long recordsFailed = 0, long? recordsTotal = null) =>
            _all.Enqueue((recordsProcessed, recordsFailed, recordsTotal));
    }
}
