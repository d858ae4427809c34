using Conveyor.Audit;
using Conveyor.Auth;
using Conveyor.Storage;
using Conveyor.Workers;

namespace Conveyor.Api.V1.Types;

/// <summary>
/// <c>/api/v1/types</c>: each job type's limits and its pause switch. A pause stops every node from starting jobs of
/// the type (running ones finish); resume lets them start again. Operators and admins; each change is audited.
/// </summary>
public static class TypesEndpoints
{
    public static RouteGroupBuilder MapTypesV1(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/types").WithTags("Types");

        group.MapGet("/", ListAsync)
            .RequireAuthorization(Policies.Viewer)
            .WithName("ListTypes")
            .WithSummary("List job types with their limits and pause state")
            .Produces<TypeListResource>();

        group.MapPost("/{name}/pause", (string name, HttpContext context, ITypeControl control, JobHandlerRegistry handlers,
                IReadOnlyList<TypeLimit> limits, CancellationToken ct) => SetAsync(name, paused: true, context, control, handlers, limits, ct))
            .RequireAuthorization(Policies.Operator)
            .Audited(AuditActions.TypePause)
            .WithName("PauseType")
            .WithSummary("Pause a job type")
            .WithDescription("No node starts a job of the type until it is resumed; running jobs finish. Pausing a paused type changes nothing.")
            .Produces<TypeResource>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/{name}/resume", (string name, HttpContext context, ITypeControl control, JobHandlerRegistry handlers,
                IReadOnlyList<TypeLimit> limits, CancellationToken ct) => SetAsync(name, paused: false, context, control, handlers, limits, ct))
            .RequireAuthorization(Policies.Operator)
            .Audited(AuditActions.TypeResume)
            .WithName("ResumeType")
            .WithSummary("Resume a paused job type")
            .Produces<TypeResource>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        return group;
    }

    private static async Task<IResult> ListAsync(ITypeControl control, JobHandlerRegistry handlers, IReadOnlyList<TypeLimit> limits, CancellationToken ct)
    {
        var pauses = (await control.ListPausedTypesAsync(ct)).ToDictionary(p => p.Type, StringComparer.Ordinal);
        var names = handlers.Types.Concat(limits.Select(l => l.Type)).Concat(pauses.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        return TypedResults.Ok(new TypeListResource(names.Select(n => Resource(n, pauses.GetValueOrDefault(n), limits)).ToList()));
    }

    private static async Task<IResult> SetAsync(string name, bool paused, HttpContext context, ITypeControl control, JobHandlerRegistry handlers,
        IReadOnlyList<TypeLimit> limits, CancellationToken ct)
    {
        if (!TypeLimitOptions.IsTypeName(name))
            return Problems.Validation("name", "The type must be a lowercase word of at most 64 characters (a-z, 0-9, '_', '.', '-').");
        if (!handlers.IsKnown(name)) return Problems.NotFound($"Job type '{name}'");
        var audit = RequestAudit.For(context, paused ? AuditActions.TypePause : AuditActions.TypeResume);
        if (paused) await control.PauseTypeAsync(name, audit, ct);
        else await control.ResumeTypeAsync(name, audit, ct);
        var pause = (await control.ListPausedTypesAsync(ct)).FirstOrDefault(p => p.Type == name);
        return TypedResults.Ok(Resource(name, pause, limits));
    }

    private static TypeResource Resource(string type, TypePause? pause, IReadOnlyList<TypeLimit> limits)
    {
        var limit = limits.FirstOrDefault(l => l.Type == type);
        return new TypeResource(type, pause is not null, pause?.PausedAt, pause?.PausedBy, limit?.Concurrency, limit?.RatePerMinute);
    }
}
