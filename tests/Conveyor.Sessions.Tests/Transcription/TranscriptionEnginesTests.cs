using Conveyor.Sessions.Audio;
using Conveyor.Sessions.Transcription;
using Microsoft.Extensions.Logging.Abstractions;

namespace Conveyor.Sessions.Tests.Transcription;

public sealed class TranscriptionEnginesTests
{
    [Fact]
    public async Task Without_a_command_or_endpoint_every_transcription_fails_saying_none_is_configured()
    {
        using var http = new HttpClient();
        var engine = TranscriptionEngines.Create(new TranscriptionOptions(), http, NullLoggerFactory.Instance);
        var result = await engine.TranscribeAsync("/nonexistent.wav", new AudioFormat(AudioKind.Wav), CancellationToken.None);
        Assert.Null(result.Transcript);
        Assert.Equal("No transcription engine is configured: set Conveyor:Transcription:Command or Conveyor:Transcription:Endpoint.", result.Error);
        Assert.Equal(result.Error, Core.SafeError.Sanitize(result.Error));
        Assert.False(result.Retryable); // it stays so until the server is configured and restarted
    }

    [Fact]
    public void A_command_makes_the_command_engine_and_an_endpoint_the_endpoint_engine()
    {
        using var http = new HttpClient();
        Assert.IsType<CommandTranscriptionEngine>(
            TranscriptionEngines.Create(new TranscriptionOptions { Command = ["engine", "{input}"] }, http, NullLoggerFactory.Instance));
        Assert.IsType<EndpointTranscriptionEngine>(
            TranscriptionEngines.Create(new TranscriptionOptions { Endpoint = "http://127.0.0.1:1" }, http, NullLoggerFactory.Instance));
    }
}
