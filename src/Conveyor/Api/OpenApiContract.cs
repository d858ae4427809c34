using System.Text.Json;
using System.Text.Json.Nodes;
using Conveyor.Auth;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Conveyor.Api;

/// <summary>
/// What makes the OpenAPI document one a generated client can trust: the two ways to send a key as security schemes,
/// on every operation that needs one with its 400 (the strict query), 401, 403 and 429; JSON objects typed as objects (not <c>{}</c>, which
/// generators read as "anything" or "null"); timestamps typed as strings; described tags; a license; a relative server.
/// Checked by Redocly's recommended rules and by a TypeScript client generated from it (OpenApiToolsTests).
/// </summary>
public static class OpenApiContract
{
    public const string ApiKeyScheme = "ApiKey";
    public const string BearerScheme = "Bearer";
    private const string ProblemJson = "application/problem+json";

    /// <summary>Every tag an operation may carry, with what it groups. A new tag without a line here fails the lint test.</summary>
    public static IReadOnlyDictionary<string, string> Tags { get; } = new Dictionary<string, string>
    {
        ["Jobs"] = "Durable jobs: create (one or a batch), list, read, follow their event history, cancel, retry as a new job or requeue in place.",
        ["Ingestion"] = "Load data: multipart uploads and JSON/NDJSON bodies become one job per file; then the detection, the loaded records and the failed rows of a job.",
        ["Datasets"] = "The datasets that loads write to, and their records as JSON pages or CSV.",
        ["Keys"] = "API keys (admin only): create one (shown once), list them (never the key), revoke one.",
        ["Audit"] = "The append-only, hash-chained audit log of every operator action and access denial (admin only).",
        ["Types"] = "Job types: their cluster-wide concurrency and rate limits, and the pause switch operators flip (audited).",
        ["Schedules"] = "Periodic jobs from configuration, with when each next fires and what its last tick enqueued.",
        ["Nodes"] = "The node registry: every API and worker process, its heartbeat, workers, held jobs and whether it leads.",
        ["Stats"] = "The numbers behind the dashboard's charts: throughput, queue depth, failure rate and run times.",
        ["Seed 002: job status"] = "Seed 002's read-only status routes, served from the same jobs (cache first, then the store).",
        ["Seed 003: ingestion status"] = "Seed 003's ingestion job routes and their shapes, served from the same jobs.",
        ["Seeds 000/001: admin jobs"] = "Seeds 000 and 001's admin routes and their shapes, served from the same jobs.",
        ["Seeds 000/001: sessions"] = "Seeds 000 and 001's session intake: a session and its transcription job from captions, a transcript or audio.",
        ["Sessions"] = "Sessions (SPEC §5): a course's recordings with their badge, jobs, transcript and summary.",
    };

    public static void AddContract(this OpenApiOptions options)
    {
        // JsonElement is how the server holds a JSON object it passes through (metadata, event data, audit details, rows).
        options.CreateSchemaReferenceId = type =>
            type.Type == typeof(JsonElement) || type.Type == typeof(JsonElement?) ? "JsonObject" : OpenApiOptions.CreateDefaultSchemaReferenceId(type);
        options.AddSchemaTransformer((schema, context, _) =>
        {
            var type = context.JsonTypeInfo.Type;
            if (type == typeof(JsonElement) || type == typeof(JsonElement?))
            {
                schema.Type = JsonSchemaType.Object;
                schema.AdditionalProperties = new OpenApiSchema();
                schema.Description ??= "A JSON object; its members depend on the job type (metadata), event type (data) or action (details).";
            }
            // Our converter writes every timestamp as an RFC 3339 string in UTC; the schema exporter cannot see through it.
            else if (type == typeof(DateTimeOffset))
            {
                schema.Type = JsonSchemaType.String;
                schema.Format = "date-time";
            }
            else if (type == typeof(DateTimeOffset?))
            {
                schema.Type = JsonSchemaType.String | JsonSchemaType.Null;
                schema.Format = "date-time";
            }
            // RFC 9457 problems carry extension members: ours are trace_id, error_reference on 5xx, errors on validation.
            else if (type == typeof(Microsoft.AspNetCore.Mvc.ProblemDetails) || type == typeof(Microsoft.AspNetCore.Http.HttpValidationProblemDetails))
            {
                schema.Properties ??= new Dictionary<string, IOpenApiSchema>();
                schema.Properties["trace_id"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String, Description = "Identifies the request in the server log.",
                };
                schema.Properties["error_reference"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String, Description = "On 5xx: quote it to find the full detail in the server log.",
                };
                schema.AdditionalPropertiesAllowed = true;
                schema.AdditionalProperties = null;
            }
            else if (type == typeof(Core.JobStatus))
            {
                schema.Type = JsonSchemaType.String;
            }
            return Task.CompletedTask;
        });
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Conveyor API";
            document.Info.Description = "Durable ingestion jobs: create, watch, cancel and retry them. Every call needs an API key, " +
                "sent as `X-Api-Key: <key>` or `Authorization: Bearer <key>`; roles rank viewer < submitter < operator < admin.";
            // No license has been chosen for Conveyor; the document says so rather than claim one.
            document.Info.License = new OpenApiLicense
            {
                Name = "All rights reserved (no license has been chosen yet)", Identifier = "LicenseRef-AllRightsReserved",
            };
            // Relative: the document is served by the server it describes, wherever that listens.
            document.Servers = [new OpenApiServer { Url = "/", Description = "The server that serves this document." }];
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
            {
                [ApiKeyScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Header, Name = "X-Api-Key",
                    Description = "An API key (cvk_…), from the first start or `conveyor keys create`.",
                },
                [BearerScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http, Scheme = "bearer", BearerFormat = "cvk_ API key, or a JWT when an OIDC authority is configured",
                    Description = "The same API key as `Authorization: Bearer <key>` (or a JWT from the configured authority).",
                },
            };
            var used = document.Paths.Values
                .SelectMany(p => p.Operations?.Values.AsEnumerable() ?? [])
                .SelectMany(o => o.Tags?.AsEnumerable() ?? [])
                .Select(t => t.Name).OfType<string>().Distinct().ToList();
            document.Tags = new HashSet<OpenApiTag>(used.Select(name => new OpenApiTag
            {
                Name = name,
                Description = Tags.GetValueOrDefault(name),
            }));
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            DescribeBodies(operation, context.Document!);
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            if (metadata.OfType<IAllowAnonymous>().Any()) return Task.CompletedTask;
            var policy = metadata.OfType<IAuthorizeData>().Select(a => a.Policy).LastOrDefault(p => p is not null) ?? Policies.Admin;
            var document = context.Document!;
            operation.Security =
            [
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyScheme, document)] = [] },
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] },
            ];
            var role = Roles.IsRole(policy) ? policy : Roles.Admin;
            operation.Description = (operation.Description is { Length: > 0 } d ? d + " " : "") + $"Needs the {role} role or higher.";
            operation.Responses ??= [];
            // Every route that needs a key hangs off the strict group (StrictRequestFilter), so each can answer this 400.
            AddQueryValidation(operation, document);
            Add(operation, document, 401, "No key, or a wrong, revoked or expired one.",
                Problem(401, "Unauthorized", "Authentication is required.", "https://tools.ietf.org/html/rfc9110#section-15.5.2"));
            // Every key has at least the viewer role, so only routes that need more can refuse a valid key.
            if (Roles.Rank(role) > Roles.Rank(Roles.Viewer))
                Add(operation, document, 403, $"The key's role ranks below {role}.",
                    Problem(403, "Forbidden", "Your role does not allow this.", "https://tools.ietf.org/html/rfc9110#section-15.5.4"));
            Add(operation, document, 429, "Too many requests from this key or address; wait Retry-After seconds.",
                Problem(429, "Too Many Requests", "Too many requests; slow down.", "https://tools.ietf.org/html/rfc6585#section-4"));
            return Task.CompletedTask;
        });
    }

    /// <summary>
    /// The bodies the handlers read and write themselves (no Accepts metadata: they answer a wrong media type with
    /// their own 415): the upload form, the JSON and NDJSON records, and the CSV form of the record routes.
    /// </summary>
    private static void DescribeBodies(OpenApiOperation operation, OpenApiDocument document)
    {
        switch (operation.OperationId)
        {
            case "Upload":
                operation.RequestBody = new OpenApiRequestBody
                {
                    Required = true,
                    Content = new Dictionary<string, OpenApiMediaType>
                    {
                        ["multipart/form-data"] = new()
                        {
                            Schema = new OpenApiSchema
                            {
                                Type = JsonSchemaType.Object,
                                Required = new HashSet<string> { "file" },
                                Properties = new Dictionary<string, IOpenApiSchema>
                                {
                                    ["file"] = new OpenApiSchema
                                    {
                                        Type = JsonSchemaType.Array, Description = "One or more files; one job each.",
                                        Items = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" },
                                    },
                                    ["dataset"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The dataset the rows go to." },
                                    ["priority"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Description = "Higher runs first." },
                                    ["metadata"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "A JSON object, as text." },
                                },
                            },
                        },
                    },
                };
                break;
            case "IngestJson":
                operation.RequestBody = new OpenApiRequestBody
                {
                    Required = true,
                    Content = new Dictionary<string, OpenApiMediaType>
                    {
                        ["application/json"] = new()
                        {
                            Schema = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchemaReference("JsonObject", document) },
                        },
                        ["application/x-ndjson"] = new()
                        {
                            Schema = new OpenApiSchema { Type = JsonSchemaType.String, Description = "One JSON object per line." },
                        },
                    },
                };
                break;
            case "GetJobRecords" or "GetDatasetRecords":
                if (operation.Responses?.TryGetValue("200", out var ok) == true && ok.Content?.ContainsKey("text/csv") == true)
                    ok.Content["text/csv"] = new OpenApiMediaType
                    {
                        Schema = new OpenApiSchema { Type = JsonSchemaType.String, Description = "Every row, a header line first." },
                    };
                break;
        }
    }

    private static void AddQueryValidation(OpenApiOperation operation, OpenApiDocument document)
    {
        if (operation.Responses!.TryGetValue("400", out var existing) && existing.Content?.Count > 0) return;
        var example = Problem(400, "Validation failed", "One or more fields are invalid; see errors.", "https://tools.ietf.org/html/rfc9110#section-15.5.1");
        example["errors"] = new JsonObject { ["colour"] = new JsonArray("This endpoint takes no query parameters.") };
        operation.Responses["400"] = new OpenApiResponse
        {
            Description = "A query parameter the route does not take or gives twice, a control character in a value, or an id that is not a UUID.",
            Content = new Dictionary<string, OpenApiMediaType>
            {
                [ProblemJson] = new() { Schema = new OpenApiSchemaReference("HttpValidationProblemDetails", document), Example = example },
            },
        };
    }

    private static void Add(OpenApiOperation operation, OpenApiDocument document, int status, string description, JsonNode example)
    {
        var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation.Responses!.TryGetValue(key, out var existing) && existing.Content?.Count > 0) return;
        operation.Responses[key] = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                [ProblemJson] = new() { Schema = new OpenApiSchemaReference("ProblemDetails", document), Example = example },
            },
        };
    }

    private static JsonNode Problem(int status, string title, string detail, string type) => new JsonObject
    {
        ["type"] = type, ["title"] = title, ["status"] = status, ["detail"] = detail,
        ["instance"] = "/api/v1/jobs", ["trace_id"] = "0HNQFSRNHIA0P:00000001",
    };
}
