using Conveyor.Sessions.Audio;

namespace Conveyor.Sessions.Transcription;

/// <summary>Turns an audio file into a transcript, or says (in words safe to show a client) why it could not.</summary>
public interface ITranscriptionEngine
{
    Task<TranscriptResult> TranscribeAsync(string audioPath, AudioFormat format, CancellationToken ct);
}
