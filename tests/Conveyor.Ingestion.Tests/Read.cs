using Conveyor.Ingestion.Readers;

namespace Conveyor.Ingestion.Tests;

/// <summary>Runs a reader over bytes in memory and returns what its sink received.</summary>
public static class Read
{
    public static async Task<RecordingSink> Csv(byte[] bytes, char delimiter = ',', bool hasHeader = true, char quote = '"')
    {
        var sink = new RecordingSink();
        await CsvRecordReader.ReadAsync(new MemoryStream(bytes), delimiter, quote, hasHeader, sink, CancellationToken.None);
        return sink;
    }

    public static Task<RecordingSink> Csv(string text, char delimiter = ',', bool hasHeader = true) =>
        Csv(RecordingSink.Utf8(text), delimiter, hasHeader);

    public static async Task<RecordingSink> Ndjson(byte[] bytes)
    {
        var sink = new RecordingSink();
        await JsonRecordReader.ReadNdjsonAsync(new MemoryStream(bytes), sink, CancellationToken.None);
        return sink;
    }

    public static Task<RecordingSink> Ndjson(string text) => Ndjson(RecordingSink.Utf8(text));

    public static async Task<RecordingSink> JsonArray(byte[] bytes)
    {
        var sink = new RecordingSink();
        await JsonRecordReader.ReadArrayAsync(new MemoryStream(bytes), sink, CancellationToken.None);
        return sink;
    }

    public static Task<RecordingSink> JsonArray(string text) => JsonArray(RecordingSink.Utf8(text));
}
