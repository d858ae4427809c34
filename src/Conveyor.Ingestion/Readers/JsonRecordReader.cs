using System.Text;
using System.Text.Json;
using Conveyor.Core;

namespace Conveyor.Ingestion.Readers;

/// <summary>
/// Streams a JSON array or NDJSON with <see cref="Utf8JsonReader"/> over a sliding buffer: each element (or line)
/// is validated and handed on as its own JSON text; memory holds one buffer and the largest single element.
/// </summary>
public static class JsonRecordReader
{
    public const int MaxElementBytes = 16 << 20;

    /// <summary>NDJSON: one JSON object per line; blank lines are skipped; a bad line is a failure, not the end.</summary>
    public static async Task ReadNdjsonAsync(Stream input, IRowSink sink, CancellationToken ct)
    {
        var buffer = new byte[1 << 16];
        var text = new RowText();
        int start = 0, end = 0;
        long line = 0;
        var eof = false;
        var first = true;
        while (true)
        {
            var newline = buffer.AsSpan(start, end - start).IndexOf((byte)'\n');
            if (newline < 0 && !eof)
            {
                if (start > 0)
                {
                    Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                    end -= start;
                    start = 0;
                }
                if (end == buffer.Length)
                {
                    if (buffer.Length >= MaxElementBytes) throw new InvalidDataException($"Line {line + 1} is longer than {MaxElementBytes} bytes.");
                    Array.Resize(ref buffer, buffer.Length * 2);
                }
                var read = await input.ReadAsync(buffer.AsMemory(end), ct);
                if (read == 0) eof = true;
                end += read;
                continue;
            }
            if (newline < 0 && start == end) break;
            var length = newline < 0 ? end - start : newline;
            var span = buffer.AsSpan(start, length);
            start += newline < 0 ? length : length + 1;
            line++;
            if (first)
            {
                first = false;
                if (span.StartsWith(new byte[] { 0xef, 0xbb, 0xbf })) span = span[3..];
            }
            if (span.Length > 0 && span[^1] == '\r') span = span[..^1];
            if (span.Trim(" \t"u8).Length == 0) continue;
            var reason = ValidateObject(span) ?? StrictJson.CheckRow(span);
            if (reason is null) await sink.RowAsync(text.Of(span), ct);
            else sink.Fail(line, reason);
        }
    }

    /// <summary>
    /// A JSON array of objects. An element that is not an object is a failure; malformed JSON ends the read
    /// (nothing after it can be trusted) with an <see cref="InvalidDataException"/>.
    /// </summary>
    public static async Task ReadArrayAsync(Stream input, IRowSink sink, CancellationToken ct)
    {
        var buffer = new byte[1 << 16];
        var text = new RowText();
        int consumed = 0, end = 0;
        var eof = false;
        var state = default(JsonReaderState);
        long line = 1; // the line of buffer[0]
        var inArray = false;
        while (true)
        {
            var progress = Step(buffer.AsSpan(consumed, end - consumed), eof, ref state, ref inArray, out var element, out var done);
            if (progress >= 0)
            {
                if (element is { } range)
                {
                    var at = consumed + range.Start;
                    var span = buffer.AsSpan(at, range.Length);
                    var reason = span[0] == '{' ? StrictJson.CheckRow(span) : "The element is not a JSON object.";
                    if (reason is null) await sink.RowAsync(text.Of(span), ct);
                    else sink.Fail(line + buffer.AsSpan(0, at).Count((byte)'\n'), reason);
                }
                consumed += progress;
                if (done) return;
                continue;
            }
            if (eof) throw new InvalidDataException($"The JSON array ends early near line {line + buffer.AsSpan(0, consumed).Count((byte)'\n')}.");
            line += buffer.AsSpan(0, consumed).Count((byte)'\n');
            Buffer.BlockCopy(buffer, consumed, buffer, 0, end - consumed);
            end -= consumed;
            consumed = 0;
            if (end == buffer.Length)
            {
                if (buffer.Length >= MaxElementBytes)
                {
                    // The element starts after the separator and whitespace the buffer begins with.
                    var lead = buffer.AsSpan(0, end).IndexOfAnyExcept(" \t\r\n,"u8);
                    var at = line + buffer.AsSpan(0, lead < 0 ? end : lead).Count((byte)'\n');
                    throw new InvalidDataException($"An element near line {at} is larger than {MaxElementBytes} bytes.");
                }
                Array.Resize(ref buffer, buffer.Length * 2);
            }
            var read = await input.ReadAsync(buffer.AsMemory(end), ct);
            if (read == 0) eof = true;
            end += read;
        }
    }

    /// <summary>
    /// Reads the next element of the array from <paramref name="data"/>. Returns the bytes consumed, or -1 when
    /// <paramref name="data"/> holds no complete element yet.
    /// </summary>
    private static int Step(ReadOnlySpan<byte> data, bool final, ref JsonReaderState state, ref bool inArray,
        out (int Start, int Length)? element, out bool done)
    {
        element = null;
        done = false;
        var reader = new Utf8JsonReader(data, final, state);
        try
        {
            if (!inArray)
            {
                var offset = data.StartsWith(new byte[] { 0xef, 0xbb, 0xbf }) ? 3 : 0;
                reader = new Utf8JsonReader(data[offset..], final, state);
                if (!reader.Read()) return -1;
                if (reader.TokenType != JsonTokenType.StartArray) throw new InvalidDataException("The body is not a JSON array.");
                inArray = true;
                state = reader.CurrentState;
                return offset + (int)reader.BytesConsumed;
            }
            if (!reader.Read()) return -1;
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                // Only JSON whitespace may follow the array; until the input has ended, more of it could come.
                if (data[(int)reader.BytesConsumed..].TrimStart(" \t\r\n"u8).Length > 0)
                    throw new InvalidDataException("Data follows the end of the JSON array.");
                if (!final) return -1;
                done = true;
                return (int)reader.BytesConsumed;
            }
            var start = (int)reader.TokenStartIndex;
            if (!reader.TrySkip()) return -1;
            element = (start, (int)reader.BytesConsumed - start);
            state = reader.CurrentState;
            return (int)reader.BytesConsumed;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The JSON is malformed (line {e.LineNumber + 1}).", e);
        }
    }

    /// <summary>Null when <paramref name="json"/> is exactly one well-formed JSON object; else why not.</summary>
    internal static string? ValidateObject(ReadOnlySpan<byte> json)
    {
        try
        {
            // AllowMultipleValues lets a second value (or none) be told apart from malformed JSON.
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { AllowMultipleValues = true });
            if (!reader.Read()) return "The line holds no JSON value.";
            if (reader.TokenType != JsonTokenType.StartObject) return "The line is not a JSON object.";
            reader.Skip();
            if (reader.Read()) return "The line holds more than one JSON value.";
            return null;
        }
        catch (JsonException)
        {
            return "The line is not well-formed JSON.";
        }
    }

    /// <summary>
    /// A row's UTF-8 as UTF-16, in one buffer reused row after row: the sink copies what it keeps, so a string per
    /// row was garbage.
    /// </summary>
    private sealed class RowText
    {
        private char[] _chars = new char[1024];

        public ReadOnlyMemory<char> Of(ReadOnlySpan<byte> utf8)
        {
            var most = Encoding.UTF8.GetMaxCharCount(utf8.Length);
            if (most > _chars.Length) _chars = new char[Math.Max(most, 2 * _chars.Length)];
            return _chars.AsMemory(0, Encoding.UTF8.GetChars(utf8, _chars));
        }
    }
}
