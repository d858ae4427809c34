using System.Collections.Concurrent;

namespace Conveyor.Workers.Tests.Infrastructure;

/// <summary>A handler whose body the test writes; it records which jobs it started and which it finished.</summary>
public sealed class TestHandler(string type, Func<JobContext, CancellationToken, Task> body) : IJobHandler
{
    private readonly ConcurrentQueue<Guid> _started = new();
    private readonly ConcurrentQueue<Guid> _finished = new();

    public string Type => type;

    public IReadOnlyCollection<Guid> Started => _started;

    public IReadOnlyCollection<Guid> Finished => _finished;

    public async Task HandleAsync(JobContext context, CancellationToken ct)
    {
        _started.Enqueue(context.Job.Id);
        await body(context, ct);
        _finished.Enqueue(context.Job.Id);
    }

    /// <summary>Succeeds at once.</summary>
    public static TestHandler Noop(string type = "noop") => new(type, (_, _) => Task.CompletedTask);

    /// <summary>Runs until its token is cancelled, then ends the way a well-behaved handler does: by throwing.</summary>
    public static TestHandler UntilCancelled(string type = "long") => new(type, (_, ct) => Task.Delay(Timeout.Infinite, ct));

    /// <summary>Throws <paramref name="message"/>.</summary>
    public static TestHandler Throwing(string message, string type = "fail") => new(type, (_, _) => throw new InvalidOperationException(message));
}
