using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;

namespace Conveyor.Web;

/// <summary>Renders a component to HTML text, for the live updates sent over Server-Sent Events (the pages' own components).</summary>
public sealed class FragmentRenderer(HtmlRenderer renderer)
{
    public Task<string> RenderAsync<TComponent>(IDictionary<string, object?> parameters) where TComponent : IComponent =>
        renderer.Dispatcher.InvokeAsync(async () =>
        {
            var output = await renderer.RenderComponentAsync<TComponent>(ParameterView.FromDictionary(parameters));
            return output.ToHtmlString();
        });
}
