using System.Text.Json;
using Conveyor.Sessions.Summaries;

namespace Conveyor.Sessions.Pipeline;

/// <summary>
/// Transcripts and summaries as stored (a job's result) and as SPEC §5 shows them: the same snake_case JSON, so the API
/// returns the stored document as it is.
/// </summary>
public static class SessionJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        RespectNullableAnnotations = true,
    };

    public static string Write(Transcript transcript) => JsonSerializer.Serialize(transcript, Options);

    public static string Write(Summary summary) => JsonSerializer.Serialize(summary, Options);

    /// <summary>The transcript a transcription job stored; null when there is none or the JSON is not one.</summary>
    public static Transcript? ReadTranscript(string? json) => Read<Transcript>(json);

    /// <summary>The summary a summarization job stored; null when there is none or the JSON is not one.</summary>
    public static Summary? ReadSummary(string? json) => Read<Summary>(json);

    /// <summary>A stored value that does not read (a row written by hand) shows as none: a read never fails on what is stored.</summary>
    private static T? Read<T>(string? json) where T : class
    {
        if (json is null) return null;
        try
        {
            return JsonSerializer.Deserialize<T>(json, Options);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
