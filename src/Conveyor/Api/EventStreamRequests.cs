namespace Conveyor.Api;

/// <summary>
/// Whether a request asked for an event stream (<c>Accept: text/event-stream</c>, as EventSource and htmx's SSE extension
/// send): the stream routes answer others with a 406 at once, so a plain GET never holds a connection open.
/// </summary>
public static class EventStreamRequests
{
    public static bool Accepts(HttpRequest request) =>
        request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/event-stream", StringComparison.OrdinalIgnoreCase));

    public static IResult NotAStream() => TypedResults.Problem(statusCode: StatusCodes.Status406NotAcceptable,
        detail: "This address is an event stream: ask for it with Accept: text/event-stream.");
}
