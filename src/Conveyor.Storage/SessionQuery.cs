using System.Buffers.Text;
using System.Text.Json;

namespace Conveyor.Storage;

/// <summary>
/// Which sessions to list, newest first: a course's (or all), optionally only synthetic or only real ones, at most
/// <see cref="Limit"/>, after <see cref="After"/> (keyset on <c>(created_at, id)</c>, stable under inserts).
/// </summary>
public sealed record SessionQuery(string? CourseId = null, bool? Synthetic = null, int Limit = 20, SessionCursor? After = null,
    bool WithTranscripts = false);

/// <summary>The keyset position of the last session of a page, opaque to clients.</summary>
public readonly record struct SessionCursor(DateTimeOffset CreatedAt, Guid Id)
{
    public string Encode() => Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(new Wire(CreatedAt.ToUnixTimeMicroseconds(), Id)));

    public static bool TryDecode(string text, out SessionCursor cursor)
    {
        cursor = default;
        try
        {
            if (JsonSerializer.Deserialize<Wire>(Base64Url.DecodeFromChars(text)) is not { C: >= 0 and < 253_402_300_800_000_000 } wire) return false;
            cursor = new SessionCursor(Microseconds.FromUnixTimeMicroseconds(wire.C), wire.I);
            return true;
        }
        catch (Exception e) when (e is FormatException or JsonException or ArgumentException)
        {
            return false;
        }
    }

    private sealed record Wire(long C, Guid I);
}

/// <summary>One page of sessions and the cursor to the next, if there is one.</summary>
public sealed record SessionPage(IReadOnlyList<SessionRecord> Items, SessionCursor? Next);
