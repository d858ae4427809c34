using System.Text.Json;

namespace Conveyor.Client;

/// <summary>One loaded row: the job and line it came from, and its values as a JSON object.</summary>
public sealed record DataRecord(Guid JobId, long RowNumber, string Dataset, JsonElement Data);
