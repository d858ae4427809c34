using System.ComponentModel.DataAnnotations;

namespace Conveyor.Workers;

/// <summary>The <c>Conveyor:Workers</c> section.</summary>
public sealed class WorkerOptions
{
    public const string Section = "Conveyor:Workers";

    /// <summary>Workers in this process; 0 makes an API-only node.</summary>
    [Range(0, 1024)]
    public int Count { get; set; } = Environment.ProcessorCount;

    /// <summary>How long a claim holds a job before the sweeper may rescue it.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often leases are extended and cancel requests picked up.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The safety-net poll when no wake-up arrives.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Lines of its own log a job keeps (the newest; the oldest are dropped first); 0 keeps none.</summary>
    public int LogLinesPerJob { get; set; } = 1000;

    /// <summary>How long after its last heartbeat a node's registry row is pruned (by the leader).</summary>
    public TimeSpan NodeStaleAfter { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often expired leases are looked for.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long running jobs may finish on shutdown before they are handed back.</summary>
    public TimeSpan ShutdownGrace { get; set; } = TimeSpan.FromSeconds(20);

    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromHours(1);

    public TimeSpan ProgressFlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Most completions written in one transaction.</summary>
    [Range(1, 10_000)]
    public int CompletionBatchSize { get; set; } = 500;

    /// <summary>
    /// How long a finished job's outcome may wait for others to share its transaction while this process still has
    /// jobs running or waiting for a worker (a lone outcome goes at once; so does a full batch). Starts never wait on
    /// it: a job whose outcome waits no longer takes a worker's place. 0 writes whatever has gathered at once.
    /// </summary>
    public TimeSpan CompletionWindow { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// At most this many jobs are claimed beyond the workers and held (leased) in this process until a worker is
    /// free, so a pool of quick jobs claims in large batches; -1 (the default) means 8 × <see cref="Count"/> but at
    /// least <see cref="MinimumDefaultPrefetch"/>, 0 turns prefetch off. How many are actually held follows
    /// <see cref="PrefetchWindow"/>.
    /// </summary>
    [Range(-1, 100_000)]
    public int Prefetch { get; set; } = -1;

    /// <summary>
    /// How long a prefetched job may expect to wait here for a worker, judged by how long recent jobs took. Long
    /// jobs (an hour-long import) are never hoarded by one node; quick ones (noop) are claimed by the hundred.
    /// </summary>
    public TimeSpan PrefetchWindow { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How long the leader's term lasts unless its node extends it; another node takes over once it has passed.
    /// Default: half of <see cref="LeaseDuration"/>, so a new leader is in place before a dead leader's leases expire.
    /// </summary>
    public TimeSpan? LeaderTtl { get; set; }

    /// <summary>How often every node tries to become (or stay) the leader. Default: a third of the leader TTL.</summary>
    public TimeSpan? LeaderElectInterval { get; set; }

    /// <summary>The leader TTL once the default is resolved.</summary>
    public TimeSpan EffectiveLeaderTtl => LeaderTtl ?? LeaseDuration / 2;

    /// <summary>The election interval once the default is resolved.</summary>
    public TimeSpan EffectiveLeaderElectInterval => LeaderElectInterval ?? EffectiveLeaderTtl / 3;

    /// <summary>
    /// The default prefetch ceiling of a process with few workers. A claim costs PostgreSQL about the same fixed price
    /// (a round trip, the locks, a commit) for 8 jobs as for 200, so the batch a process claims must not shrink with
    /// its worker count: 3 processes × 8 workers would otherwise send 3 times the statements of 1 × 24 for the same
    /// jobs. Hoarding stays bounded by <see cref="PrefetchWindow"/>: however high the ceiling, a process holds no more
    /// than its workers get through in that window.
    /// </summary>
    public const int MinimumDefaultPrefetch = 256;

    /// <summary>The prefetch ceiling once the default is resolved.</summary>
    public int MaxPrefetch => Prefetch < 0 ? Math.Max(8 * Count, MinimumDefaultPrefetch) : Prefetch;

    /// <summary>Checks the relations between settings that attributes cannot express.</summary>
    public IEnumerable<string> Validate()
    {
        if (LeaseDuration <= TimeSpan.Zero) yield return $"{Section}:LeaseDuration must be positive.";
        if (HeartbeatInterval <= TimeSpan.Zero || HeartbeatInterval >= LeaseDuration)
            yield return $"{Section}:HeartbeatInterval must be positive and shorter than {Section}:LeaseDuration.";
        if (PollInterval <= TimeSpan.Zero) yield return $"{Section}:PollInterval must be positive.";
        if (LogLinesPerJob is < 0 or > 100_000) yield return $"{Section}:LogLinesPerJob must be from 0 to 100000.";
        if (NodeStaleAfter <= 2 * HeartbeatInterval)
            yield return $"{Section}:NodeStaleAfter must be more than twice {Section}:HeartbeatInterval.";
        if (SweepInterval <= TimeSpan.Zero) yield return $"{Section}:SweepInterval must be positive.";
        if (ShutdownGrace < TimeSpan.Zero) yield return $"{Section}:ShutdownGrace cannot be negative.";
        if (RetryBaseDelay < TimeSpan.Zero || RetryMaxDelay < RetryBaseDelay)
            yield return $"{Section}:RetryBaseDelay must be at least zero and at most {Section}:RetryMaxDelay.";
        if (ProgressFlushInterval <= TimeSpan.Zero) yield return $"{Section}:ProgressFlushInterval must be positive.";
        if (CompletionWindow < TimeSpan.Zero || CompletionWindow > TimeSpan.FromSeconds(1))
            yield return $"{Section}:CompletionWindow must be from 0 to 1 second.";
        if (PrefetchWindow < TimeSpan.Zero) yield return $"{Section}:PrefetchWindow cannot be negative.";
        if (LeaderTtl <= TimeSpan.Zero) yield return $"{Section}:LeaderTtl must be positive.";
        if (LeaderElectInterval is { } interval && (interval <= TimeSpan.Zero || interval >= EffectiveLeaderTtl))
            yield return $"{Section}:LeaderElectInterval must be positive and shorter than {Section}:LeaderTtl.";
        else if (LeaseDuration > TimeSpan.Zero && EffectiveLeaderTtl > TimeSpan.Zero && EffectiveLeaderTtl + EffectiveLeaderElectInterval > LeaseDuration)
            yield return $"{Section}:LeaderTtl plus {Section}:LeaderElectInterval must not exceed {Section}:LeaseDuration, " +
                "so that a new leader is in place before a dead leader's leases expire.";
    }
}
