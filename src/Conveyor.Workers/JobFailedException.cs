namespace Conveyor.Workers;

/// <summary>
/// A handler's deliberate failure: its message is meant for the client (still sanitized). Not <see cref="Retryable"/>
/// when no retry can succeed (the input itself is malformed): the job then fails at once instead of using up its attempts.
/// </summary>
public sealed class JobFailedException(string message, bool retryable = true) : Exception(message)
{
    public bool Retryable { get; } = retryable;

    /// <summary>A failure no retry can fix.</summary>
    public static JobFailedException Permanent(string message) => new(message, retryable: false);
}
