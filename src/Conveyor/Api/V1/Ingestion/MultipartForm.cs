using Conveyor.Application;
using Conveyor.Core;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Conveyor.Api.V1.Ingestion;

/// <summary>
/// Reading a multipart/form-data request as the upload routes do (<c>/api/v1/upload</c>, <c>/ingest/session</c>): the
/// media type and size checked first, fields read bounded and as UTF-8, each file section handed on as a stream, and
/// every failure mapped to its problem (what the client did wrong is a 4xx, a client gone is no answer at all).
/// </summary>
internal static class MultipartForm
{
    private const int MaxFieldBytes = 64 * 1024;

    public static bool IsMultipart(HttpRequest request) =>
        MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType) &&
        mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase);

    /// <summary>The problem when the request is not a multipart form this may read; null, with its boundary, when it is.</summary>
    public static IResult? Refusal(HttpContext context, long maxRequestBytes, out string boundary)
    {
        boundary = "";
        var request = context.Request;
        if (!IsMultipart(request) || !MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType))
            return Problems.UnsupportedMediaType("The body must be multipart/form-data with one or more files.");
        var value = HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value;
        if (string.IsNullOrEmpty(value) || value.Length > 200)
            return Problems.BadRequest("The multipart boundary is missing or too long.");
        if (request.ContentLength > maxRequestBytes)
            return UploadRejectedException.TooLarge($"A request may be at most {maxRequestBytes} bytes.").ToProblem();
        AllowBody(context, maxRequestBytes);
        boundary = value;
        return null;
    }

    /// <summary>Reads every section: a field's text to <paramref name="field"/>, a file's body to <paramref name="file"/> (with the client's name).</summary>
    public static async Task ReadAsync(HttpContext context, string boundary, Action<string, string> field, Func<Stream, string, Task> file,
        CancellationToken ct)
    {
        // A 256 KiB buffer, not the default 16 KiB: 16 times fewer reads and boundary scans per file section
        // (a 101 MB upload took 0.32 s instead of 0.47 s).
        var reader = new MultipartReader(boundary, context.Request.Body, 256 * 1024) { HeadersLengthLimit = 16 * 1024 };
        MultipartSection? section;
        while ((section = await RequestBodyException.Wrap(() => reader.ReadNextSectionAsync(ct))) is not null)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) ||
                !disposition.DispositionType.Equals("form-data"))
                throw UploadRejectedException.BadRequest("Every multipart section needs Content-Disposition: form-data.");
            var fileName = disposition.FileNameStar.HasValue ? disposition.FileNameStar.Value : disposition.FileName.Value;
            var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
            if (fileName is null) field(name, await ReadFieldAsync(name, section.Body, ct));
            else await file(section.Body, fileName);
        }
    }

    /// <summary>
    /// The client's file name as stored and shown: without control or format characters (NUL, ESC, U+202E…) and unpaired
    /// surrogates, at most 255 characters; the name on disk is <see cref="FileNames.Sanitize"/>'s.
    /// </summary>
    public static string? DisplayName(string? name) => DisplayText.Clean(name, 255);

    public static void AllowBody(HttpContext context, long max)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature) feature.MaxRequestBodySize = max;
    }

    public static void Remove(IEnumerable<ReceivedFile> files)
    {
        foreach (var file in files) FileReceiver.Remove(file.Directory);
    }

    private static async Task<string> ReadFieldAsync(string? name, Stream body, CancellationToken ct)
    {
        var buffer = new byte[MaxFieldBytes + 1];
        var read = await RequestBodyException.Wrap(() => body.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, ct));
        if (read > MaxFieldBytes) throw UploadRejectedException.TooLarge($"A form field may be at most {MaxFieldBytes} bytes.");
        if (!System.Text.Unicode.Utf8.IsValid(buffer.AsSpan(0, read)))
            throw UploadRejectedException.BadRequest($"The form field '{name}' is not valid UTF-8.");
        return System.Text.Encoding.UTF8.GetString(buffer, 0, read);
    }

    /// <summary>The answer to an upload that failed before its job was created (its files are already removed).</summary>
    public static IResult Failure(Exception e, HttpContext context) => e switch
    {
        UploadRejectedException rejected => rejected.ToProblem(),
        ValidationFailedException validation => Problems.Validation(validation.Errors),
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
            UploadRejectedException.TooLarge("The request body is too large.").ToProblem(),
        RequestBodyException or IOException or OperationCanceledException when context.RequestAborted.IsCancellationRequested => Results.Empty,
        BadHttpRequestException or InvalidDataException or RequestBodyException => Problems.BadRequest("The multipart body is malformed or ended early."),
        IOException io when IsDiskFull(io) => TypedResults.Problem(detail: "The storage root is full.", statusCode: StatusCodes.Status507InsufficientStorage,
            title: "Insufficient storage"),
        _ => throw new InvalidOperationException("The upload failed; its files were removed.", e),
    };

    private static bool IsDiskFull(IOException e) => (e.HResult & 0xFFFF) is 28 or 112;
}

/// <summary>The form's fields failed their rules: a 400 validation problem, by field.</summary>
internal sealed class ValidationFailedException(Dictionary<string, string[]> errors) : Exception("Validation failed.")
{
    public Dictionary<string, string[]> Errors { get; } = errors;
}
