namespace Conveyor.Ingestion.Detection;

/// <summary>What a file holds, as told from its bytes.</summary>
public enum ContentKind
{
    Refused,
    Csv,
    Json,
    Ndjson,
    WebVtt,
    Srt,
    Text,
    Audio,
}
