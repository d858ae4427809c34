namespace Conveyor.Storage;

/// <summary>Who may write a job's rows: the attempt that holds its lease (running, this owner, this attempt).</summary>
public sealed record LoadFence(Guid JobId, string Owner, int Attempt, string Dataset);
