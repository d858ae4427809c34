namespace Conveyor.Api;

/// <summary>
/// The query parameters an endpoint takes (endpoint metadata, see <see cref="StrictRequestFilter"/>): any other is a
/// 400, and so is one given twice unless it is <see cref="Repeatable"/>.
/// </summary>
public sealed record QueryParameters(IReadOnlyList<string> Names, IReadOnlyList<string> Repeatable)
{
    public static QueryParameters None { get; } = new([], []);
}

/// <summary>Declares an endpoint's query parameters.</summary>
public static class QueryParametersExtensions
{
    public static TBuilder AllowQuery<TBuilder>(this TBuilder builder, params string[] names) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new QueryParameters(names, []));

    public static TBuilder AllowQuery<TBuilder>(this TBuilder builder, IReadOnlyList<string> names, IReadOnlyList<string> repeatable)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new QueryParameters(names, repeatable));
}
