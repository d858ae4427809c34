using Conveyor.Core;

namespace Conveyor.Storage;

/// <summary>
/// Synthetic data (seed 000's mocks, SPEC §7): sessions and jobs marked <c>synthetic</c>, written and removed as a set.
/// Neither writes an audit event: synthetic rows are not an operator's action on real data, and the audit log is
/// append-only, so seeding and then clearing leaves every table as it was.
/// </summary>
public interface IDemoData
{
    /// <summary>Inserts the sessions and jobs, and walks each job along its path of operations, in one transaction.</summary>
    Task SeedDemoAsync(DemoSeed seed, CancellationToken ct);

    /// <summary>Removes every synthetic job (with its events, files, results and records) and every synthetic session.</summary>
    Task<DemoCleared> ClearDemoAsync(CancellationToken ct);
}

/// <summary>A synthetic job: inserted queued, then taken along <see cref="Path"/> by the status machine; <see cref="Result"/> is stored if it ends succeeded.</summary>
public sealed record DemoJob(NewJob Job, IReadOnlyList<(JobOperation Operation, TransitionInput Input)> Path, string? Result = null);

public sealed record DemoSeed(IReadOnlyList<NewSession> Sessions, IReadOnlyList<DemoJob> Jobs);

/// <summary>How many synthetic sessions and jobs a clear removed.</summary>
public sealed record DemoCleared(long Sessions, long Jobs);
