using Conveyor.Sessions.Audio;
using Microsoft.Extensions.Logging;

namespace Conveyor.Sessions.Transcription;

/// <summary>Picks the engine the options configure: the command, the endpoint, or none (every transcription then fails saying so).</summary>
public static class TranscriptionEngines
{
    public const string NotConfigured =
        "No transcription engine is configured: set Conveyor:Transcription:Command or Conveyor:Transcription:Endpoint.";

    public static ITranscriptionEngine Create(TranscriptionOptions options, HttpClient http, ILoggerFactory loggers, TimeProvider? time = null)
    {
        if (options.HasCommand)
            return new CommandTranscriptionEngine(options, AudioConverter.FromPath(), loggers.CreateLogger<CommandTranscriptionEngine>(), time);
        if (options.HasEndpoint)
            return new EndpointTranscriptionEngine(options, http, loggers.CreateLogger<EndpointTranscriptionEngine>(), time);
        return new NoEngine();
    }

    private sealed class NoEngine : ITranscriptionEngine
    {
        public Task<TranscriptResult> TranscribeAsync(string audioPath, AudioFormat format, CancellationToken ct) =>
            Task.FromResult(TranscriptResult.Failure(NotConfigured));
    }
}
