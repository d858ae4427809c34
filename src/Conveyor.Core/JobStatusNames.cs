namespace Conveyor.Core;

/// <summary>Lowercase wire and storage names of <see cref="JobStatus"/>.</summary>
public static class JobStatusNames
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public static string ToName(this JobStatus status) => status switch
    {
        JobStatus.Queued => Queued,
        JobStatus.Running => Running,
        JobStatus.Succeeded => Succeeded,
        JobStatus.Failed => Failed,
        JobStatus.Cancelled => Cancelled,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    public static bool TryParse(string? name, out JobStatus status)
    {
        switch (name)
        {
            case Queued: status = JobStatus.Queued; return true;
            case Running: status = JobStatus.Running; return true;
            case Succeeded: status = JobStatus.Succeeded; return true;
            case Failed: status = JobStatus.Failed; return true;
            case Cancelled: status = JobStatus.Cancelled; return true;
            default: status = default; return false;
        }
    }

    public static JobStatus Parse(string name) =>
        TryParse(name, out var status) ? status : throw new FormatException($"Unknown job status '{name}'.");

    public static IReadOnlyList<string> All { get; } = [Queued, Running, Succeeded, Failed, Cancelled];
}
