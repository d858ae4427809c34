using System.Globalization;
using System.Text.Json;
using Conveyor.Core;

namespace Conveyor.Ingestion;

/// <summary>
/// How far one job's file may expand and how many rows it may hold: <see cref="IngestionOptions"/>, raised or lowered
/// for one job by its metadata (<c>max_expanded_bytes</c>, <c>max_rows</c>, <c>max_expansion_ratio</c>), which only an
/// admin may set (<see cref="Refusal"/>, checked where jobs are created).
/// </summary>
public sealed record IngestionLimits(long MaxExpandedBytes, long MaxRows, double MaxExpansionRatio)
{
    public const string MaxExpandedBytesKey = "max_expanded_bytes";
    public const string MaxRowsKey = "max_rows";
    public const string MaxExpansionRatioKey = "max_expansion_ratio";

    private static readonly string[] Keys = [MaxExpandedBytesKey, MaxRowsKey, MaxExpansionRatioKey];

    /// <summary>The limits of a job: its metadata's overrides, else the server's.</summary>
    public static IngestionLimits Of(JsonElement metadata, IngestionOptions options) => new(
        JobMetadata.TryGetDouble(metadata, MaxExpandedBytesKey, out var bytes) && bytes >= 1 ? (long)Math.Min(bytes, long.MaxValue) : options.MaxExpandedBytes,
        JobMetadata.TryGetDouble(metadata, MaxRowsKey, out var rows) && rows >= 1 ? (long)Math.Min(rows, long.MaxValue) : options.MaxRows,
        JobMetadata.TryGetDouble(metadata, MaxExpansionRatioKey, out var ratio) && ratio >= 0 ? ratio : options.MaxExpansionRatio);

    /// <summary>
    /// Why <paramref name="metadata"/> may not be used by this caller (a limit set by someone who is not an admin, or
    /// not a positive number), or null.
    /// </summary>
    public static string? Refusal(JsonElement? metadata, bool isAdmin)
    {
        if (metadata is not { ValueKind: JsonValueKind.Object } m) return null;
        foreach (var key in Keys)
        {
            if (!m.TryGetProperty(key, out var value)) continue;
            if (!isAdmin) return $"Only an admin may set metadata.{key} (a job's ingestion limits).";
            if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var number) || number < (key == MaxExpansionRatioKey ? 0 : 1))
                return string.Create(CultureInfo.InvariantCulture, $"metadata.{key} must be a number of at least {(key == MaxExpansionRatioKey ? 0 : 1)}.");
        }
        return null;
    }
}
