using System.Text.Json;
using Conveyor.Core;
using Conveyor.Api.Json;

namespace Conveyor.Api;

/// <summary>
/// Reads a JSON request body strictly (wrong types and unknown fields are errors) and turns what went wrong
/// into a 400 validation problem keyed by field, or a 415 for another media type. Nothing of the parser's
/// internals (type names, positions) reaches the client.
/// </summary>
public static class JsonBody
{
    public const long MaxBytes = 16 * 1024 * 1024;

    public sealed record Result<T>(T? Value, IResult? Problem) where T : class;

    public static async Task<Result<T>> ReadAsync<T>(HttpRequest request, bool required, CancellationToken ct) where T : class
    {
        var hasBody = request.ContentLength is > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0);
        if (!hasBody)
        {
            return required
                ? new(null, Problems.BadRequest("A JSON request body is required."))
                : new(null, null);
        }
        if (!request.HasJsonContentType())
        {
            return new(null, Problems.UnsupportedMediaType("The request body must be JSON (Content-Type: application/json)."));
        }
        if (request.ContentLength > MaxBytes) return new(null, TooLarge());
        byte[] bytes;
        try
        {
            // Read whole and counted, so a chunked body (no Content-Length) stops at the limit too; then checked
            // (StrictJson) before anything is deserialized.
            bytes = await ReadAtMostAsync(request.Body, MaxBytes, ct);
        }
        catch (BodyTooLargeException)
        {
            return new(null, TooLarge());
        }
        catch (BadHttpRequestException e)
        {
            return new(null, e.StatusCode == StatusCodes.Status413PayloadTooLarge ? TooLarge() : Problems.BadRequest("The request body is malformed or ended early."));
        }
        if (StrictJson.Check(bytes) is { } refused) return new(null, Problems.Validation(refused.Field, refused.Message));
        try
        {
            var value = JsonSerializer.Deserialize<T>(bytes, ConveyorJson.Options);
            return value is null && required
                ? new(null, Problems.BadRequest("The request body must be a JSON object, not null."))
                : new(value, null);
        }
        catch (JsonException e)
        {
            var (field, message) = Describe(e);
            return new(null, Problems.Validation(field, message));
        }
    }

    private static IResult TooLarge() => TypedResults.Problem(detail: $"The request body must be at most {MaxBytes} bytes.",
        statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request body too large");

    private sealed class BodyTooLargeException : Exception;

    private static async Task<byte[]> ReadAtMostAsync(Stream body, long max, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > max) throw new BodyTooLargeException();
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private static (string Field, string Message) Describe(JsonException e)
    {
        var field = FieldOf(e.Path);
        var text = e.Message;
        const string unmapped = "could not be mapped to any .NET member";
        if (text.StartsWith("Duplicate property", StringComparison.Ordinal)) return (field, "The field is given more than once.");
        if (text.Contains(unmapped, StringComparison.Ordinal))
        {
            var start = text.IndexOf('\'');
            var end = start >= 0 ? text.IndexOf('\'', start + 1) : -1;
            var name = end > start ? text[(start + 1)..end] : "(unknown)";
            // The path may or may not already end at the unknown property, depending on where the reader stopped.
            if (field == name || field.EndsWith("." + name, StringComparison.Ordinal)) return (field, "Unknown field.");
            return (field == "$" ? name : field + "." + name, "Unknown field.");
        }
        // The reader's own error (bad syntax) arrives wrapped; a conversion error arrives bare.
        if (e.InnerException?.GetType().Name == "JsonReaderException")
        {
            return ("$", "The body is not well-formed JSON.");
        }
        return (field, field == "$" ? "The body is not a JSON object of the expected shape." : "The value has the wrong type or format.");
    }

    /// <summary>Turns a JSON path (<c>$.jobs[2].priority</c>) into a field name (<c>jobs[2].priority</c>).</summary>
    private static string FieldOf(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$") return "$";
        return path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
    }
}
