namespace Conveyor.Workers;

/// <summary>Runs jobs of one <see cref="Type"/>. Throwing fails the attempt; honouring the token ends it cancelled.</summary>
public interface IJobHandler
{
    /// <summary>The job <c>type</c> this handler runs (<c>noop</c>, <c>csv</c>…).</summary>
    string Type { get; }

    Task HandleAsync(JobContext context, CancellationToken ct);
}
