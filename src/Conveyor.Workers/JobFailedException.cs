namespace Conveyor.Workers;

/// <summary>A handler's deliberate failure: its message is meant for the client (still sanitized).</summary>
public sealed class JobFailedException(string message) : Exception(message);
