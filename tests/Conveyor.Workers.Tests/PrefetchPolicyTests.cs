using Conveyor.Workers.Tests.Infrastructure;

namespace Conveyor.Workers.Tests;

public sealed class PrefetchPolicyTests
{
    [Fact]
    public void Until_a_job_has_finished_it_holds_one_job_per_worker()
    {
        var policy = new PrefetchPolicy(Settings.Workers(count: 4));
        Assert.Equal(4, policy.Capacity());
        Assert.Null(policy.AverageDuration);
    }

    [Fact]
    public void Quick_jobs_add_as_many_as_the_workers_get_through_in_the_window()
    {
        var policy = new PrefetchPolicy(Settings.Workers(count: 4, prefetch: 1000));
        policy.Record(TimeSpan.FromMilliseconds(10));

        // 4 workers × 100 ms / 10 ms per job.
        Assert.Equal(4 + 40, policy.Capacity());
    }

    [Fact]
    public void The_average_moves_by_a_sixteenth_of_each_new_sample()
    {
        var policy = new PrefetchPolicy(Settings.Workers(count: 4, prefetch: 1000));
        policy.Record(TimeSpan.FromMilliseconds(10));
        policy.Record(TimeSpan.FromMilliseconds(26));

        Assert.Equal(TimeSpan.FromMilliseconds(11), policy.AverageDuration);
        Assert.Equal(4 + 36, policy.Capacity()); // 400 / 11 = 36.4
    }

    [Theory]
    [InlineData(3, 3 + 256)]
    [InlineData(8, 8 + 256)]
    [InlineData(24, 24 + 256)]
    [InlineData(64, 64 + 8 * 64)]
    public void By_default_the_extra_never_passes_eight_per_worker_or_256_whichever_is_more(int workers, int capacity)
    {
        var policy = new PrefetchPolicy(Settings.Workers(count: workers));
        policy.Record(TimeSpan.Zero);
        Assert.Equal(capacity, policy.Capacity());
    }

    [Fact]
    public void However_high_the_default_ceiling_a_few_workers_hold_no_more_than_they_get_through_in_the_window()
    {
        var policy = new PrefetchPolicy(Settings.Workers(count: 8));
        policy.Record(TimeSpan.FromMilliseconds(20));

        // 8 workers × 100 ms / 20 ms per job: 40 extra, far below the ceiling of 256.
        Assert.Equal(8 + 40, policy.Capacity());
    }

    [Fact]
    public void Long_jobs_are_never_hoarded()
    {
        var policy = new PrefetchPolicy(Settings.Workers(count: 1));
        policy.Record(TimeSpan.FromSeconds(90));
        Assert.Equal(1, policy.Capacity());
    }

    [Fact]
    public void Prefetch_zero_turns_it_off_however_quick_the_jobs()
    {
        var policy = new PrefetchPolicy(Settings.Workers(count: 4, prefetch: 0));
        policy.Record(TimeSpan.FromMilliseconds(1));
        Assert.Equal(4, policy.Capacity());
    }
}
