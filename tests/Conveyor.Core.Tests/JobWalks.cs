using FsCheck;
using FsCheck.Fluent;

namespace Conveyor.Core.Tests;

/// <summary>Generators of reachable job states and of operation sequences.</summary>
public static class JobWalks
{
    /// <summary>States a job can be in: queued with attempts left, running within its limit, failed with none left…</summary>
    private static Gen<JobSnapshot> Snapshots() =>
        from max in Gen.Choose(1, 5)
        from status in Gen.Elements(Enum.GetValues<JobStatus>())
        from attempt in status switch
        {
            JobStatus.Queued => Gen.Choose(0, max - 1),
            JobStatus.Running or JobStatus.Succeeded => Gen.Choose(1, max),
            JobStatus.Failed => Gen.Constant(max),
            _ => Gen.Choose(0, max),
        }
        from cancelRequested in status == JobStatus.Running ? Gen.Elements(true, false) : Gen.Constant(false)
        from hasRetry in status == JobStatus.Failed ? Gen.Elements(true, false) : Gen.Constant(false)
        select new JobSnapshot(status, attempt, max, cancelRequested, hasRetry);

    private static Gen<Step> Steps() =>
        from operation in Gen.Elements(Enum.GetValues<JobOperation>())
        from move in Gen.Frequency(
            (3, Gen.Constant(TimeSpan.Zero)),
            (2, Gen.Choose(-5000, -1).Select(ms => TimeSpan.FromMilliseconds(ms))),
            (1, Gen.Choose(-3, 3).Select(us => TimeSpan.FromMicroseconds(us))),
            (3, Gen.Choose(1, 5000).Select(ms => TimeSpan.FromMilliseconds(ms))))
        select new Step(operation, move);

    public static Arbitrary<Walk> Walks() => Arb.From(
        from start in Snapshots()
        from steps in Gen.ArrayOf(Steps())
        select new Walk(start, steps),
        walk => Enumerable.Range(0, walk.Steps.Length).Select(i => walk with { Steps = walk.Steps[..i] }));
}
