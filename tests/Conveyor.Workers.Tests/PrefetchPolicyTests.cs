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

    [Fact]
    public void The_extra_never_passes_the_ceiling_of_eight_per_worker_by_default()
    {
        var policy = new PrefetchPolicy(Settings.Workers(count: 3));
        policy.Record(TimeSpan.Zero);
        Assert.Equal(3 + 24, policy.Capacity());
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
