using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Components;

namespace Conveyor.Web;

/// <summary>An SVG <c>&lt;text&gt;</c> element (Razor reserves the tag name), with its content encoded.</summary>
public static class SvgText
{
    public static MarkupString At(double x, double y, string cssClass, string content, string anchor = "start") => new(
        $"<text x=\"{x.ToString("0.#", CultureInfo.InvariantCulture)}\" y=\"{y.ToString("0.#", CultureInfo.InvariantCulture)}\" " +
        $"class=\"{WebUtility.HtmlEncode(cssClass)}\" text-anchor=\"{anchor}\">{WebUtility.HtmlEncode(content)}</text>");
}
