namespace Conveyor.Ingestion.Detection;

/// <summary>A column detection found: its name (from the header, or <c>column_N</c>) and inferred type.</summary>
public sealed record DetectedColumn(string Name, string Type);
