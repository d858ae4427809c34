using System.Text.Json;
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
        if (request.ContentLength > MaxBytes)
        {
            return new(null, TypedResults.Problem(detail: $"The request body must be at most {MaxBytes} bytes.",
                statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request body too large"));
        }
        try
        {
            var value = await JsonSerializer.DeserializeAsync<T>(request.Body, ConveyorJson.Options, ct);
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

    private static (string Field, string Message) Describe(JsonException e)
    {
        var field = FieldOf(e.Path);
        var text = e.Message;
        const string unmapped = "could not be mapped to any .NET member";
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
