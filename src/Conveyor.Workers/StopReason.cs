namespace Conveyor.Workers;

/// <summary>Why a running job's token was cancelled.</summary>
internal enum StopReason
{
    None,

    /// <summary>Someone asked to cancel it (or its lease moved on): it ends cancelled.</summary>
    CancelRequested,

    /// <summary>The process is shutting down past its grace period: the job goes back to the queue.</summary>
    Shutdown,

    /// <summary>
    /// This attempt's lease ran out and the job was claimed here again as a newer attempt: the old handler stops with
    /// no outcome (the newer attempt owns the job now).
    /// </summary>
    LeaseLost,
}
