using System.Text.Json;
using System.Text.Json.Nodes;
using Conveyor.Api.Json;
using Microsoft.AspNetCore.OpenApi;

namespace Conveyor.Api;

/// <summary>Puts request and response examples on an endpoint's OpenAPI operation.</summary>
public static class OpenApiExamples
{
    /// <summary>Endpoint metadata holding the examples of one operation.</summary>
    public sealed record ExampleMetadata(object? Request, IReadOnlyList<(int Status, object Example)> Responses);

    public static TBuilder WithExamples<TBuilder>(this TBuilder builder, object? request = null,
        params (int Status, object Example)[] responses) where TBuilder : IEndpointConventionBuilder
    {
        builder.WithMetadata(new ExampleMetadata(request, responses));
        return builder;
    }

    /// <summary>The operation transformer that copies <see cref="ExampleMetadata"/> into the document.</summary>
    public static void AddExamples(this OpenApiOptions options) =>
        options.AddOperationTransformer((operation, context, _) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata.OfType<ExampleMetadata>().LastOrDefault();
            if (metadata is null) return Task.CompletedTask;
            if (metadata.Request is not null && operation.RequestBody?.Content is { } requestContent)
            {
                foreach (var media in requestContent.Values) media.Example = ToNode(metadata.Request);
            }
            foreach (var (status, example) in metadata.Responses)
            {
                if (operation.Responses?.TryGetValue(status.ToString(System.Globalization.CultureInfo.InvariantCulture), out var response) == true
                    && response.Content is { } content)
                {
                    foreach (var media in content.Values) media.Example = ToNode(example);
                }
            }
            return Task.CompletedTask;
        });

    private static JsonNode? ToNode(object value) => JsonSerializer.SerializeToNode(value, value.GetType(), ConveyorJson.Options);
}
