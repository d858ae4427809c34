using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text;

namespace Conveyor.Web;

/// <summary>
/// The pages' live parts: a Server-Sent Events stream that renders the page's regions every second (from the store,
/// so any node serves any stream) and sends only the regions whose HTML changed, each as an <c>hx-partial</c> that
/// htmx morphs into place: focus, scroll, open forms and filters stay as they were.
/// </summary>
public static class LiveStream
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// One region of a page: the element id it replaces and its HTML (the element itself, for an outer morph).
    /// A <paramref name="Covered"/> region is inside another sent with it: remembered as sent, not sent again.
    /// </summary>
    public sealed record Region(string TargetId, string Html, string Swap = "outerMorph", bool Covered = false);

    /// <summary>Whether the request asked for an event stream (htmx's SSE extension does; a plain GET of the address does not).</summary>
    public static bool Accepts(HttpRequest request) => Api.EventStreamRequests.Accepts(request);

    public static IResult NotAStream() => Api.EventStreamRequests.NotAStream();

    /// <summary>
    /// Renders <paramref name="render"/> each interval and yields a message with the regions that changed since the last
    /// (all of them the first time), plus <paramref name="announce"/>'s sentence in the page's status region when given.
    /// </summary>
    /// <param name="interval">How long to wait before the next render (asked after each one); <see cref="Interval"/> when null.</param>
    public static IAsyncEnumerable<SseItem<string>> RunAsync(Func<CancellationToken, Task<IReadOnlyList<Region>>> render,
        Func<IReadOnlyList<Region>, string?>? announce, TimeProvider time, CancellationToken ct, Func<TimeSpan>? interval = null) =>
        RunAsync(render, announce, token => WaitAsync(interval?.Invoke() ?? Interval, time, token), ct);

    /// <summary>
    /// Renders <paramref name="render"/> at the start and again each time <paramref name="next"/> returns true, and yields
    /// the regions that changed as the timed overload does: for a page that waits on something other than a clock (the
    /// node's shared <c>JobFeed</c>, so an open page costs no read of its own while nothing changes).
    /// </summary>
    /// <param name="next">Waits for the moment of the next render; false ends the stream.</param>
    public static async IAsyncEnumerable<SseItem<string>> RunAsync(Func<CancellationToken, Task<IReadOnlyList<Region>>> render,
        Func<IReadOnlyList<Region>, string?>? announce, Func<CancellationToken, Task<bool>> next, [EnumeratorCancellation] CancellationToken ct)
    {
        var sent = new Dictionary<string, string>(StringComparer.Ordinal);
        var first = true;
        while (!ct.IsCancellationRequested)
        {
            IReadOnlyList<Region> regions;
            try
            {
                regions = await render(ct);
            }
            catch (OperationCanceledException)
            {
                yield break;
            }
            var changed = regions.Where(r => !sent.TryGetValue(r.TargetId, out var html) || html != r.Html).ToList();
            foreach (var region in changed) sent[region.TargetId] = region.Html;
            changed.RemoveAll(r => r.Covered);
            if (changed.Count > 0)
            {
                var message = new StringBuilder();
                foreach (var region in changed) Append(message, region);
                if (!first && announce?.Invoke(changed) is { } sentence) Append(message, new Region("live-status", System.Net.WebUtility.HtmlEncode(sentence), "innerHTML"));
                yield return new SseItem<string>(message.ToString());
            }
            first = false;
            if (!await next(ct)) yield break;
        }
    }

    private static void Append(StringBuilder message, Region region) =>
        message.Append("<hx-partial hx-target=\"#").Append(region.TargetId).Append("\" hx-swap=\"").Append(region.Swap).Append("\">")
            .Append(region.Html).Append("</hx-partial>");

    private static async Task<bool> WaitAsync(TimeSpan interval, TimeProvider time, CancellationToken ct)
    {
        try
        {
            await Task.Delay(interval, time, ct);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
