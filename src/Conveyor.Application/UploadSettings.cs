using System.Text.Json;

namespace Conveyor.Application;

/// <summary>What an upload may choose for the jobs it makes (the form fields, or the query of a JSON ingest).</summary>
public sealed record UploadSettings(string? Dataset = null, int? Priority = null, JsonElement? Metadata = null);
