using System.Net;

namespace Conveyor.Client;

/// <summary>
/// What the server refused or failed, from its RFC 9457 problem: status, title, detail, the validation errors by
/// field, and the error reference that finds a 5xx's full detail in the server log. Every failed call raises this.
/// </summary>
public sealed class ConveyorApiException : Exception
{
    public ConveyorApiException(HttpStatusCode status, string title, string? detail, IReadOnlyDictionary<string, string[]>? errors = null,
        string? errorReference = null, string? traceId = null, string? type = null, string? instance = null)
        : base(Describe(status, title, detail, errors, errorReference))
    {
        Status = status;
        Title = title;
        Detail = detail;
        Errors = errors ?? new Dictionary<string, string[]>();
        ErrorReference = errorReference;
        TraceId = traceId;
        Type = type;
        Instance = instance;
    }

    public HttpStatusCode Status { get; }
    public string Title { get; }
    public string? Detail { get; }
    /// <summary>For a 400 validation problem: the messages by field (<c>priority</c>, <c>metadata.x</c>, <c>jobs[1].type</c>).</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; }
    /// <summary>On a 5xx: quote it to find the full detail in the server log.</summary>
    public string? ErrorReference { get; }
    public string? TraceId { get; }
    public string? Type { get; }
    public string? Instance { get; }

    /// <summary>The problem on one line: "404 Not found: Job … was not found."; errors and the reference after it.</summary>
    private static string Describe(HttpStatusCode status, string title, string? detail, IReadOnlyDictionary<string, string[]>? errors, string? reference)
    {
        var line = $"{(int)status} {title}" + (string.IsNullOrEmpty(detail) ? "" : $": {detail}");
        if (errors is { Count: > 0 })
            line += " (" + string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")) + ")";
        if (!string.IsNullOrEmpty(reference)) line += $" [error reference {reference}]";
        return line;
    }
}
