using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using Conveyor.Core;

namespace Conveyor.Storage;

/// <summary>A keyset position: the sort key and id of the last row of a page, opaque to clients.</summary>
public sealed record JobCursor(JobSortField SortBy, bool Descending, string Key, Guid Id)
{
    /// <summary>The cursor that continues after <paramref name="job"/> in the given order.</summary>
    public static JobCursor After(Job job, JobSortField sortBy, bool descending) =>
        new(sortBy, descending, KeyOf(job, sortBy), job.Id);

    public static string KeyOf(Job job, JobSortField sortBy) => sortBy switch
    {
        JobSortField.CreatedAt => job.CreatedAt.ToUnixTimeMicroseconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
        JobSortField.UpdatedAt => job.UpdatedAt.ToUnixTimeMicroseconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
        JobSortField.ScheduledAt => job.ScheduledAt.ToUnixTimeMicroseconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
        JobSortField.Priority => job.Priority.ToString(System.Globalization.CultureInfo.InvariantCulture),
        JobSortField.Status => job.Status.ToName(),
        JobSortField.Type => job.Type,
        _ => throw new ArgumentOutOfRangeException(nameof(sortBy)),
    };

    public string Encode()
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(new Wire((int)SortBy, Descending, Key, Id));
        return Base64Url.EncodeToString(json);
    }

    public static bool TryDecode(string text, out JobCursor? cursor)
    {
        cursor = null;
        try
        {
            var wire = JsonSerializer.Deserialize<Wire>(Base64Url.DecodeFromChars(text));
            if (wire is null || !Enum.IsDefined((JobSortField)wire.S) || wire.K is null || !KeyIsValid((JobSortField)wire.S, wire.K)) return false;
            cursor = new JobCursor((JobSortField)wire.S, wire.D, wire.K, wire.I);
            return true;
        }
        catch (Exception e) when (e is FormatException or JsonException or ArgumentException)
        {
            return false;
        }
    }

    private static bool KeyIsValid(JobSortField field, string key) => field switch
    {
        JobSortField.CreatedAt or JobSortField.UpdatedAt or JobSortField.ScheduledAt =>
            long.TryParse(key, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var micros)
            && micros is >= 0 and < 253_402_300_800_000_000,
        JobSortField.Priority => int.TryParse(key, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out _),
        JobSortField.Status => JobStatusNames.TryParse(key, out _),
        _ => key.Length <= 256,
    };

    private sealed record Wire(int S, bool D, string K, Guid I);
}
