using Conveyor.Core;

namespace Conveyor.Api.Seeds;

/// <summary>The status words of the seeds' own routes (SPEC §2: seed 002 says <c>completed</c> for succeeded).</summary>
public static class SeedStatus
{
    /// <summary>Seed 002's word for <paramref name="status"/>: its four, plus <c>cancelled</c>, which it never had.</summary>
    public static string Seed002(JobStatus status) => status switch
    {
        JobStatus.Succeeded => "completed",
        _ => status.ToName(),
    };

    /// <summary>The status a seed 002 word names, or null when it names none.</summary>
    public static JobStatus? FromSeed002(string word) => word switch
    {
        "queued" => JobStatus.Queued,
        "running" => JobStatus.Running,
        "completed" => JobStatus.Succeeded,
        "failed" => JobStatus.Failed,
        "cancelled" => JobStatus.Cancelled,
        _ => null,
    };

    public const string Seed002Words = "queued, running, completed, failed or cancelled";
}
