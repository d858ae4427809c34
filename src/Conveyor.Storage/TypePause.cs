namespace Conveyor.Storage;

/// <summary>A paused job type: no job of it starts, on any node, until it is resumed.</summary>
public sealed record TypePause(string Type, DateTimeOffset PausedAt, string PausedBy);
