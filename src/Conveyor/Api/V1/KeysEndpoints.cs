using Conveyor.Audit;
using Conveyor.Auth;
using Conveyor.Storage;

namespace Conveyor.Api.V1;

/// <summary><c>/api/v1/keys</c>: create (the key is shown once, as <c>key</c>), list and revoke API keys; admin only.</summary>
public static class KeysEndpoints
{
    public const int MaxNameLength = 100;

    public static RouteGroupBuilder MapKeysV1(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/keys").WithTags("Keys").RequireAuthorization(Policies.Admin);

        group.MapPost("/", CreateAsync)
            .Audited(AuditActions.KeyCreate)
            .WithName("CreateKey")
            .WithSummary("Create an API key")
            .WithDescription("The answer carries the key itself, as key: this is the only time it is shown; only its hash is stored.")
            .Accepts<KeyCreateRequest>("application/json")
            .Produces<CreatedKeyResource>(StatusCodes.Status201Created)
            .ProducesValidationProblem();

        group.MapGet("/", ListAsync)
            .WithName("ListKeys")
            .WithSummary("List API keys (never the keys themselves)")
            .Produces<KeyListResource>();

        group.MapDelete("/{id}", RevokeAsync)
            .Audited(AuditActions.KeyRevoke)
            .WithName("RevokeKey")
            .WithSummary("Revoke an API key (204)")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound);

        return group;
    }

    private static async Task<IResult> CreateAsync(HttpContext context, IApiKeyAdmin store, TimeProvider time, CancellationToken ct)
    {
        var body = await JsonBody.ReadAsync<KeyCreateRequest>(context.Request, required: true, ct);
        if (body.Problem is not null) return body.Problem;
        var request = body.Value!;
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > MaxNameLength || request.Name.Any(char.IsControl))
            errors["name"] = [$"Give a name of 1-{MaxNameLength} printable characters."];
        if (!Roles.IsRole(request.Role)) errors["role"] = ["Must be viewer, submitter, operator or admin."];
        var now = time.GetUtcNow();
        if (request.ExpiresAt is { } expires && expires <= now) errors["expires_at"] = ["Must be in the future."];
        if (errors.Count > 0) return Problems.Validation(errors);

        var (key, record) = ApiKeyGenerator.Create(request.Name!.Trim(), request.Role!, request.ExpiresAt, now);
        await store.InsertKeyAsync(record, RequestAudit.For(context, AuditActions.KeyCreate, KeyAuditDetails.Of(record)), ct);
        return TypedResults.Created($"/api/v1/keys/{record.Id}",
            new CreatedKeyResource(record.Id, record.Name, record.Role, record.Prefix, record.CreatedAt, record.ExpiresAt, key));
    }

    private static async Task<IResult> ListAsync(IApiKeyAdmin store, CancellationToken ct) =>
        TypedResults.Ok(new KeyListResource((await store.ListKeysAsync(ct)).Select(KeyResource.From).ToList()));

    private static async Task<IResult> RevokeAsync(string id, HttpContext context, IApiKeyAdmin store, ApiKeyValidator validator, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var keyId)) return Problems.Validation("id", "The key id must be a UUID.");
        var revoked = await store.RevokeKeyAsync(keyId, RequestAudit.For(context, AuditActions.KeyRevoke), ct);
        if (revoked is null) return Problems.NotFound($"Key {keyId}");
        validator.Forget(keyId);
        return TypedResults.NoContent();
    }
}
