using Conveyor.Sessions.Audio;
using Conveyor.Sessions.Tests.Infrastructure;
using Conveyor.Sessions.Transcription;
using Microsoft.AspNetCore.Http;

namespace Conveyor.Sessions.Tests.Transcription;

/// <summary>The OpenAI-compatible endpoint engine against a local server that speaks the wire format.</summary>
public sealed class EndpointTranscriptionEngineTests(Speech speech) : IClassFixture<Speech>, IAsyncLifetime
{
    private const string VerboseJson = """
        {"task":"transcribe","language":"english","duration":2.7854,"text":" The quick brown fox. Jumps over.",
         "segments":[{"id":0,"seek":0,"start":0.0,"end":1.5004,"text":" The quick brown fox.","tokens":[1,2]},
                     {"id":1,"seek":0,"start":1.5004,"end":2.7854,"text":" Jumps over.","tokens":[3]}]}
        """;

    private readonly CapturedLog<EndpointTranscriptionEngine> _log = new();
    private readonly HttpClient _http = new();
    private OpenAiTranscriptionServer _server = null!;

    public async Task InitializeAsync() => _server = await OpenAiTranscriptionServer.StartAsync();

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private EndpointTranscriptionEngine Engine(string? endpoint = null, string? key = "sk-test-key", TimeSpan? timeout = null) =>
        new(new TranscriptionOptions { Endpoint = endpoint ?? _server.BaseUrl.ToString(), ApiKey = key, Model = "base.en", Timeout = timeout ?? TimeSpan.FromMinutes(1) },
            _http, _log);

    private void Answer(string json, int status = 200) => _server.Respond = async (_, c) =>
    {
        c.Response.StatusCode = status;
        c.Response.ContentType = "application/json";
        await c.Response.WriteAsync(json);
    };

    private Task<TranscriptResult> Transcribe(EndpointTranscriptionEngine engine, string path, AudioFormat? format = null) =>
        engine.TranscribeAsync(path, format ?? AudioSniffer.Sniff(File.ReadAllBytes(path))!, CancellationToken.None);

    [Fact]
    public async Task The_request_is_OpenAIs_multipart_form_with_the_audio_the_model_and_the_key()
    {
        Answer(VerboseJson);
        Assert.Null((await Transcribe(Engine(), speech.Spoken22k)).Error);
        var request = Assert.Single(_server.Requests);
        Assert.Equal("/v1/audio/transcriptions", request.Path);
        Assert.Equal("Bearer sk-test-key", request.Authorization);
        Assert.Equal(("base.en", "verbose_json"), (request.Model, request.ResponseFormat));
        Assert.Equal(("audio.wav", "audio/wav"), (request.FileName, request.FileType));
        // The audio goes as it is: an OpenAI-compatible server decodes WAV, MP3, Ogg, FLAC and M4A itself.
        Assert.Equal(await File.ReadAllBytesAsync(speech.Spoken22k), request.File);
    }

    [Fact]
    public async Task Without_a_key_no_authorization_header_is_sent()
    {
        Answer(VerboseJson);
        await Transcribe(Engine(key: null), speech.Flac);
        var request = Assert.Single(_server.Requests);
        Assert.Null(request.Authorization);
        Assert.Equal(("audio.flac", "audio/flac"), (request.FileName, request.FileType));
    }

    [Fact]
    public async Task A_verbose_json_answer_gives_timed_segments_the_language_and_the_duration_to_the_millisecond()
    {
        Answer(VerboseJson);
        var result = await Transcribe(Engine(), speech.Speech16k);
        var transcript = Assert.IsType<Transcript>(result.Transcript);
        Assert.Equal((TranscriptFormats.Audio, "english", 2.785), (transcript.Format, transcript.Language, transcript.DurationSeconds!.Value));
        Assert.Equal("The quick brown fox. Jumps over.", transcript.Text);
        Assert.Equal([(0, 0.0, 1.5, "The quick brown fox."), (1, 1.5, 2.785, "Jumps over.")],
            transcript.Segments.Select(s => (s.Index, s.StartSeconds!.Value, s.EndSeconds!.Value, s.Text)));
    }

    [Fact]
    public async Task A_plain_json_answer_gives_one_untimed_segment_and_the_duration_from_the_WAV_header()
    {
        Answer("""{"text":"  Hello there.  "}""");
        var transcript = Assert.IsType<Transcript>((await Transcribe(Engine(), speech.Speech16k)).Transcript);
        var segment = Assert.Single(transcript.Segments);
        Assert.Equal(("Hello there.", (double?)null, (string?)null), (segment.Text, segment.StartSeconds, transcript.Language));
        Assert.Equal(AudioSniffer.Sniff(File.ReadAllBytes(speech.Speech16k))!.DurationSeconds, transcript.DurationSeconds);
    }

    [Fact]
    public async Task Segments_without_text_or_with_bad_times_are_read_as_far_as_they_go()
    {
        Answer("""{"text":"a b","segments":[{"start":-1,"end":"x","text":"a"},{"start":1},7,{"start":2.0,"end":3.0,"text":"b"}]}""");
        var transcript = Assert.IsType<Transcript>((await Transcribe(Engine(), speech.Flac, new AudioFormat(AudioKind.Flac))).Transcript);
        Assert.Equal([((double?)null, (double?)null, "a"), (2.0, 3.0, "b")], transcript.Segments.Select(s => (s.StartSeconds, s.EndSeconds, s.Text)));
        Assert.Null(transcript.DurationSeconds);
    }

    [Fact]
    public async Task A_refusal_gives_the_status_and_the_servers_words_go_to_the_log_only()
    {
        Answer("""{"error":{"message":"Incorrect API key provided: sk-test-key","type":"invalid_request_error"}}""", 401);
        var result = await Transcribe(Engine(), speech.Speech16k);
        Assert.Equal("The transcription endpoint answered 401 Unauthorized.", result.Error);
        Assert.False(result.Retryable); // a wrong key stays wrong
        Assert.Contains("Incorrect API key provided", _log.All);
        Assert.DoesNotContain("sk-test-key", result.Error);
    }

    [Fact]
    public async Task A_status_without_a_reason_phrase_still_reads_well()
    {
        _server.Respond = (_, c) => { c.Response.StatusCode = 599; return Task.CompletedTask; };
        var result = await Transcribe(Engine(), speech.Speech16k);
        Assert.Equal("The transcription endpoint answered 599.", result.Error);
        Assert.True(result.Retryable); // a server error may pass
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("{\"txt\":\"hello\"}")]
    [InlineData("{\"text\":42}")]
    public async Task An_answer_that_is_not_a_transcript_fails_saying_so(string body)
    {
        Answer(body);
        var result = await Transcribe(Engine(), speech.Speech16k);
        Assert.Equal("The transcription endpoint's answer is not a transcript.", result.Error);
    }

    [Fact]
    public async Task An_empty_text_fails_saying_no_text_came_back()
    {
        Answer("""{"text":"   ","segments":[]}""");
        Assert.Equal("The transcription endpoint returned no text.", (await Transcribe(Engine(), speech.Speech16k)).Error);
    }

    [Fact]
    public async Task An_endpoint_nobody_listens_on_fails_as_unreachable()
    {
        var port = _server.BaseUrl.Port;
        await _server.DisposeAsync();
        _server = await OpenAiTranscriptionServer.StartAsync();
        var result = await Transcribe(Engine(endpoint: $"http://127.0.0.1:{port}"), speech.Speech16k);
        Assert.Equal("The transcription endpoint could not be reached.", result.Error);
        Assert.True(result.Retryable);
    }

    [Fact]
    public async Task An_endpoint_slower_than_the_timeout_fails_saying_so()
    {
        _server.Respond = async (_, c) =>
        {
            try { await Task.Delay(Timeout.Infinite, c.RequestAborted); }
            catch (OperationCanceledException) { }
        };
        var result = await Transcribe(Engine(timeout: TimeSpan.FromSeconds(1)), speech.Speech16k);
        Assert.Equal("The transcription endpoint did not answer within 1 seconds.", result.Error);
    }

    [Fact]
    public async Task Cancelling_throws_rather_than_failing_the_transcription()
    {
        Answer(VerboseJson);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Engine().TranscribeAsync(speech.Speech16k, new AudioFormat(AudioKind.Wav), cancelled.Token));
    }

    [Fact]
    public async Task A_server_that_transcribes_with_pocketsphinx_gives_its_words()
    {
        var pocketsphinx = new CommandTranscriptionEngine(new TranscriptionOptions { Command = Speech.Pocketsphinx }, AudioConverter.FromPath(), new CapturedLog<CommandTranscriptionEngine>());
        _server.Respond = async (received, c) =>
        {
            var path = speech.Path("received-" + Guid.NewGuid().ToString("N"));
            await File.WriteAllBytesAsync(path, received.File);
            var heard = await pocketsphinx.TranscribeAsync(path, AudioSniffer.Sniff(received.File)!, c.RequestAborted);
            await c.Response.WriteAsJsonAsync(new { text = heard.Transcript!.Text, language = "en" });
        };
        // The endpoint answers when pocketsphinx has: a minute or more of a starved box's CPU, so the client waits longer.
        var transcript = Assert.IsType<Transcript>((await Transcribe(Engine(timeout: TimeSpan.FromMinutes(5)), speech.Spoken22k)).Transcript);
        Assert.StartsWith("the quick brown fox", transcript.Text);
        Assert.Equal("en", transcript.Language);
    }

    [Theory]
    [InlineData("http://h:8080", "http://h:8080/v1/audio/transcriptions")]
    [InlineData("http://h:8080/", "http://h:8080/v1/audio/transcriptions")]
    [InlineData("https://api.example.org/v1", "https://api.example.org/v1/audio/transcriptions")]
    [InlineData("https://api.example.org/v1/", "https://api.example.org/v1/audio/transcriptions")]
    [InlineData("http://h/proxy/v1/audio/transcriptions", "http://h/proxy/v1/audio/transcriptions")]
    [InlineData("http://h/openai", "http://h/openai/v1/audio/transcriptions")]
    public void The_transcriptions_url_is_made_from_a_base_url_with_or_without_v1(string endpoint, string expected)
    {
        Assert.Equal(new Uri(expected), EndpointTranscriptionEngine.TranscriptionsUrl(endpoint));
    }

    [Fact]
    public void Every_failure_message_is_already_safe_to_show()
    {
        foreach (var message in new[] { EndpointTranscriptionEngine.Unreachable, EndpointTranscriptionEngine.NotATranscript, EndpointTranscriptionEngine.NoText })
            Assert.Equal(message, Core.SafeError.Sanitize(message));
    }
}
