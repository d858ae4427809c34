using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Conveyor.Api;

/// <summary>
/// Puts the query parameters an endpoint declares (<see cref="QueryParameters"/>, the ones StrictRequestFilter lets
/// through) on its OpenAPI operation, so the document lists exactly what the server takes.
/// </summary>
public static class OpenApiQueryParameters
{
    public static void AddQueryParameters(this OpenApiOptions options) =>
        options.AddOperationTransformer((operation, context, _) =>
        {
            var declared = context.Description.ActionDescriptor.EndpointMetadata.OfType<QueryParameters>().LastOrDefault();
            if (declared is null) return Task.CompletedTask;
            operation.Parameters ??= [];
            foreach (var name in declared.Names)
            {
                if (operation.Parameters.Any(p => p.In == ParameterLocation.Query && p.Name == name)) continue;
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = name,
                    In = ParameterLocation.Query,
                    Required = false,
                    Description = declared.Repeatable.Contains(name) ? "May be given more than once." : null,
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                });
            }
            return Task.CompletedTask;
        });
}
