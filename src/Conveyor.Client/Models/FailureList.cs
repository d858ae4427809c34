namespace Conveyor.Client;

/// <summary>The rows of a job that failed to parse (the first 1,000), with how many failed in all.</summary>
public sealed record FailureList(Guid JobId, long RecordsFailed, IReadOnlyList<RowFailure> Items);

/// <summary>A row that failed to parse: its line and why.</summary>
public sealed record RowFailure(long LineNumber, string Reason);
