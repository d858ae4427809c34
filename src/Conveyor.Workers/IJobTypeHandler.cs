namespace Conveyor.Workers;

/// <summary>
/// An app's own job type, registered with <c>AddConveyor(…).AddJobHandler&lt;T&gt;("type")</c> and resolved in a DI scope
/// per job. Throwing fails the attempt (it is retried up to <c>max_attempts</c>); honouring the token ends it cancelled;
/// <see cref="JobContext.Progress"/> moves the job's row counters.
/// </summary>
public interface IJobTypeHandler
{
    Task HandleAsync(JobContext context, CancellationToken ct);
}
