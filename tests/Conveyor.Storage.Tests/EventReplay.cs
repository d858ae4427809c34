using Conveyor.Core;

namespace Conveyor.Storage.Tests;

/// <summary>Replays a job's event log through <see cref="StatusMachine"/>, starting from its <c>created</c> event.</summary>
public static class EventReplay
{
    /// <summary>The snapshot the events lead to; fails when an event is one the machine could not have produced.</summary>
    public static JobSnapshot Replay(IReadOnlyList<DbEventRow> events, int maxAttempts)
    {
        Assert.NotEmpty(events);
        Assert.Equal((JobEventTypes.Created, (string?)null, (string?)JobStatusNames.Queued), (events[0].Type, events[0].FromStatus, events[0].ToStatus));
        var job = new JobSnapshot(JobStatus.Queued, 0, maxAttempts, CancelRequested: false);
        foreach (var e in events.Skip(1))
        {
            Assert.True(e.FromStatus == job.Status.ToName(),
                $"event {e.Id} '{e.Type}' starts from {e.FromStatus}, but the job was {job.Status.ToName()}");
            var candidates = Enum.GetValues<JobOperation>()
                .Select(operation => (operation, result: StatusMachine.Decide(job, operation)))
                .Where(c => c.result.IsApplied && c.result.EventType == e.Type && c.result.To.ToName() == e.ToStatus)
                .ToList();
            Assert.True(candidates.Count > 0,
                $"no operation turns {job} into '{e.Type}' {e.FromStatus}→{e.ToStatus} (event {e.Id})");
            var outcomes = candidates.Select(c => StatusMachine.Apply(job, c.operation, c.result)).Distinct().ToList();
            Assert.True(outcomes.Count == 1, $"event {e.Id} '{e.Type}' is ambiguous from {job}");
            job = outcomes[0];
        }
        return job;
    }
}
