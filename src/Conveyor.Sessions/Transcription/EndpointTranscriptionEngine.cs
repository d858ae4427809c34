using System.Net.Http.Headers;
using System.Text.Json;
using Conveyor.Sessions.Audio;
using Conveyor.Sessions.Captions;
using Microsoft.Extensions.Logging;

namespace Conveyor.Sessions.Transcription;

/// <summary>
/// Sends the audio to an OpenAI-compatible <c>POST /v1/audio/transcriptions</c> (multipart: <c>file</c>, <c>model</c>,
/// <c>response_format=verbose_json</c>) and reads its <c>text</c>, <c>language</c>, <c>duration</c> and timed
/// <c>segments</c>. What the server answered on failure goes to the server log, not the job's error.
/// </summary>
public sealed class EndpointTranscriptionEngine(
    TranscriptionOptions options, HttpClient http, ILogger<EndpointTranscriptionEngine> logger, TimeProvider? time = null)
    : ITranscriptionEngine
{
    public const string Unreachable = "The transcription endpoint could not be reached.";
    public const string NotATranscript = "The transcription endpoint's answer is not a transcript.";
    public const string NoText = "The transcription endpoint returned no text.";

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>The transcriptions URL for a base URL with or without <c>/v1</c> (or already the whole path).</summary>
    public static Uri TranscriptionsUrl(string endpoint)
    {
        var url = endpoint.TrimEnd('/');
        if (url.EndsWith("/audio/transcriptions", StringComparison.Ordinal)) return new Uri(url);
        return new Uri(url.EndsWith("/v1", StringComparison.Ordinal) ? url + "/audio/transcriptions" : url + "/v1/audio/transcriptions");
    }

    public async Task<TranscriptResult> TranscribeAsync(string audioPath, AudioFormat format, CancellationToken ct)
    {
        using var deadline = new CancellationTokenSource(options.Timeout, _time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
        await using var audio = File.OpenRead(audioPath);
        using var form = new MultipartFormDataContent();
        var file = new StreamContent(audio);
        file.Headers.ContentType = new MediaTypeHeaderValue(format.MediaType);
        form.Add(file, "file", "audio." + format.Name);
        form.Add(new StringContent(options.Model), "model");
        form.Add(new StringContent("verbose_json"), "response_format");
        using var request = new HttpRequestMessage(HttpMethod.Post, TranscriptionsUrl(options.Endpoint!)) { Content = form };
        if (!string.IsNullOrEmpty(options.ApiKey)) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.ApiKey);

        string body;
        try
        {
            using var response = await http.SendAsync(request, either.Token).ConfigureAwait(false);
            body = await response.Content.ReadAsStringAsync(either.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                logger.LogWarning("The transcription endpoint answered {Status}: {Body}", (int)response.StatusCode, ProgramRunner.Tail(body, 2000));
                var reason = string.IsNullOrWhiteSpace(response.ReasonPhrase) ? "" : " " + response.ReasonPhrase;
                var message = $"The transcription endpoint answered {(int)response.StatusCode}{reason}.";
                // A server error or a rate limit may pass; a refusal of the request (a wrong key, a bad model) will not.
                return (int)response.StatusCode is >= 500 or 429 or 408 ? TranscriptResult.Transient(message) : TranscriptResult.Failure(message);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return TranscriptResult.Transient($"The transcription endpoint did not answer within {options.Timeout.TotalSeconds:0} seconds.");
        }
        catch (HttpRequestException e)
        {
            logger.LogWarning(e, "The transcription endpoint could not be reached");
            return TranscriptResult.Transient(Unreachable);
        }

        var transcript = Read(body, format);
        if (transcript is null)
        {
            logger.LogWarning("The transcription endpoint's answer is not a transcript: {Body}", ProgramRunner.Tail(body, 2000));
            return TranscriptResult.Failure(NotATranscript);
        }
        return transcript.Segments.Count == 0 ? TranscriptResult.Failure(NoText) : TranscriptResult.Success(transcript, 0);
    }

    /// <summary>The transcript in an OpenAI <c>verbose_json</c> (or plain <c>json</c>) answer; null when it is not one.</summary>
    internal static Transcript? Read(string body, AudioFormat format)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return null;
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("text", out var text) || text.ValueKind != JsonValueKind.String)
                return null;
            var builder = new TranscriptBuilder();
            if (root.TryGetProperty("segments", out var segments) && segments.ValueKind == JsonValueKind.Array)
            {
                foreach (var segment in segments.EnumerateArray())
                {
                    if (segment.ValueKind != JsonValueKind.Object || !segment.TryGetProperty("text", out var words) || words.ValueKind != JsonValueKind.String)
                        continue;
                    builder.Add(Milliseconds(segment, "start"), Milliseconds(segment, "end"), null, words.GetString()!);
                }
            }
            if (builder.Count == 0) builder.Add(null, null, null, text.GetString()!);
            var language = root.TryGetProperty("language", out var l) && l.ValueKind == JsonValueKind.String ? l.GetString() : null;
            var duration = Milliseconds(root, "duration");
            var built = builder.Build(TranscriptFormats.Audio, language, duration, " ");
            return built with { DurationSeconds = built.DurationSeconds ?? format.DurationSeconds };
        }
    }

    private static long? Milliseconds(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var seconds) && seconds >= 0
            ? (long)Math.Round(seconds * 1000)
            : null;
}
