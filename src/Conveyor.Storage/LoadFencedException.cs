namespace Conveyor.Storage;

/// <summary>The job is no longer this attempt's (rescued, cancelled or re-claimed): its rows were not written.</summary>
public sealed class LoadFencedException(Guid jobId)
    : Exception($"Job {jobId} is no longer held by this attempt; its rows were not written.");
