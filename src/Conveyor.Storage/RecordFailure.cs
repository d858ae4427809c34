namespace Conveyor.Storage;

/// <summary>A row that failed to parse: its line in the input and why.</summary>
public sealed record RecordFailure(long LineNumber, string Reason);
