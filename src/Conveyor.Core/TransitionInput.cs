namespace Conveyor.Core;

/// <summary>What a caller adds to a transition: the failure it reports, and when a retry may run.</summary>
public sealed record TransitionInput
{
    public static TransitionInput None { get; } = new();

    public string? Error { get; init; }
    public string? ErrorRef { get; init; }
    public DateTimeOffset? RetryAt { get; init; }
}
