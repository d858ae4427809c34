using Conveyor.Core;

namespace Conveyor.Api.V1;

/// <summary>The links of a job: always self and events; an action only when the status machine would apply it now.</summary>
public static class JobLinks
{
    public const string Base = "/api/v1/jobs";

    public static IReadOnlyDictionary<string, Link> For(Job job, Guid? retriedBy)
    {
        var self = $"{Base}/{job.Id}";
        var links = new Dictionary<string, Link>(StringComparer.Ordinal)
        {
            ["self"] = new(self),
            ["events"] = new($"{self}/events"),
        };
        var snapshot = job.Snapshot(hasRetry: retriedBy is not null);
        if (Allowed(snapshot, JobOperation.Cancel)) links["cancel"] = new($"{self}/cancel", "POST");
        if (Allowed(snapshot, JobOperation.Requeue)) links["requeue"] = new($"{self}/requeue", "POST");
        if (Allowed(snapshot, JobOperation.RetryAsNew)) links["retry"] = new($"{self}/retry", "POST");
        if (job.RetryOf is { } original) links["retry_of"] = new($"{Base}/{original}");
        if (retriedBy is { } retry) links["retried_by"] = new($"{Base}/{retry}");
        return links;
    }

    private static bool Allowed(JobSnapshot snapshot, JobOperation operation) =>
        StatusMachine.Decide(snapshot, operation).IsApplied;
}
