namespace Conveyor.Core;

/// <summary>Everything that can happen to a job, from a person or from a worker.</summary>
public enum JobOperation
{
    /// <summary>An operator asks to cancel (API <c>cancel</c> or <c>DELETE</c>).</summary>
    Cancel,

    /// <summary>An operator retries a failed job in place (<c>requeue</c>).</summary>
    Requeue,

    /// <summary>An operator asks for a new job with the same configuration (<c>retry</c>).</summary>
    RetryAsNew,

    /// <summary>A worker takes a queued job.</summary>
    Claim,

    /// <summary>The handler returned normally.</summary>
    Succeed,

    /// <summary>The handler threw: retried with back-off while attempts remain.</summary>
    Fail,

    /// <summary>
    /// The handler threw a failure that no retry can fix (malformed input, a row over the size limit): failed at
    /// once, whatever attempts remain (Oban's discard, River's JobCancel).
    /// </summary>
    Discard,

    /// <summary>The handler stopped because its cancel was requested.</summary>
    AcknowledgeCancel,

    /// <summary>The sweeper found the job's lease expired: its worker is gone.</summary>
    Rescue,

    /// <summary>A worker shutting down hands an unfinished job back.</summary>
    Release,
}
