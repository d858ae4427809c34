using System.Globalization;
using Conveyor.Api.V1;
using Conveyor.Audit;
using Conveyor.Auth;
using Conveyor.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Conveyor.Web;

/// <summary><c>/admin/keys</c> (admin): the keys (never the keys themselves), create (the new key shown once) and revoke.</summary>
public static class KeysPageEndpoints
{
    public static void MapKeysPages(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/admin/keys", PageAsync).RequireAuthorization(Policies.Admin);
        routes.MapPost("/admin/keys", CreateAsync).RequireAuthorization(Policies.Admin).Audited(AuditActions.KeyCreate).FormPost();
        routes.MapGet("/admin/keys/{id}/confirm-revoke", ConfirmAsync).RequireAuthorization(Policies.Admin);
        routes.MapPost("/admin/keys/{id}/revoke", RevokeAsync).RequireAuthorization(Policies.Admin).Audited(AuditActions.KeyRevoke).FormPost();
    }

    private static async Task<IResult> PageAsync(HttpContext context, IApiKeyAdmin keys) =>
        await RenderAsync(context, keys, StatusCodes.Status200OK);

    private static async Task<RazorComponentResult<KeysPage>> RenderAsync(HttpContext context, IApiKeyAdmin keys, int status,
        string? createdKey = null, ApiKeyRecord? created = null, IReadOnlyDictionary<string, string[]>? errors = null, string? notice = null)
    {
        var list = await keys.ListKeysAsync(context.RequestAborted);
        // A page that shows a new key is never kept by a cache.
        if (createdKey is not null) context.Response.Headers.CacheControl = "no-store";
        return new RazorComponentResult<KeysPage>(new
        {
            Shell = Shell.For(context),
            Keys = list,
            CreatedKey = createdKey,
            Created = created,
            Errors = errors ?? new Dictionary<string, string[]>(),
            Notice = notice,
        }) { StatusCode = status };
    }

    private static async Task<IResult> CreateAsync(HttpContext context, IApiKeyAdmin keys, TimeProvider time)
    {
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var name = form["name"].ToString().Trim();
        var role = form["role"].ToString();
        var expiresText = form["expires_at"].ToString().Trim();
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (name.Length is 0 or > KeysEndpoints.MaxNameLength || name.Any(char.IsControl))
            errors["name"] = [$"Give a name of 1-{KeysEndpoints.MaxNameLength} printable characters."];
        if (!Roles.IsRole(role)) errors["role"] = ["Choose viewer, submitter, operator or admin."];
        var now = time.GetUtcNow();
        DateTimeOffset? expires = null;
        if (expiresText.Length > 0)
        {
            // A date input sends yyyy-MM-dd: the key lasts to the end of that day, UTC.
            if (DateOnly.TryParseExact(expiresText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
                expires = new DateTimeOffset(day.ToDateTime(TimeOnly.MaxValue), TimeSpan.Zero);
            else errors["expires_at"] = ["Give a date like 2027-01-31."];
            if (expires is { } e && e <= now) errors["expires_at"] = ["Must be in the future."];
        }
        // A refusal leaves its rejected audit event through AuditedFilter, as the API's does.
        if (errors.Count > 0) return await RenderAsync(context, keys, StatusCodes.Status400BadRequest, errors: errors);
        var (key, record) = ApiKeyGenerator.Create(name, role, expires, now);
        await keys.InsertKeyAsync(record, RequestAudit.For(context, AuditActions.KeyCreate, KeyAuditDetails.Of(record)), context.RequestAborted);
        return await RenderAsync(context, keys, StatusCodes.Status201Created, key, record);
    }

    private static async Task<IResult> ConfirmAsync(string id, HttpContext context, IApiKeyAdmin keys)
    {
        if (!Guid.TryParse(id, out var keyId)) return QueueEndpoints.Message(context, StatusCodes.Status400BadRequest, "Not a key", "The key id must be a UUID.");
        var key = (await keys.ListKeysAsync(context.RequestAborted)).FirstOrDefault(k => k.Id == keyId);
        if (key is null) return QueueEndpoints.Message(context, StatusCodes.Status404NotFound, "No such key", $"There is no key {keyId}.");
        return new RazorComponentResult<RevokeKeyPage>(new { Shell = Shell.For(context), Key = key });
    }

    private static async Task<IResult> RevokeAsync(string id, HttpContext context, IApiKeyAdmin keys, ApiKeyValidator validator)
    {
        if (!Guid.TryParse(id, out var keyId)) return QueueEndpoints.Message(context, StatusCodes.Status400BadRequest, "Not a key", "The key id must be a UUID.");
        var revoked = await keys.RevokeKeyAsync(keyId, RequestAudit.For(context, AuditActions.KeyRevoke), context.RequestAborted);
        if (revoked is null) return QueueEndpoints.Message(context, StatusCodes.Status404NotFound, "No such key", $"There is no key {keyId}.");
        validator.Forget(keyId);
        return await RenderAsync(context, keys, StatusCodes.Status200OK, notice: $"Key “{revoked.Name}” ({revoked.Prefix}) is revoked: it no longer works anywhere, and its sessions end.");
    }
}
