using Conveyor.Core;
using Conveyor.Storage;

namespace Conveyor.Workers;

/// <summary>
/// One entry of the <c>Conveyor:Types</c> section (<c>Conveyor:Types:transcription:Concurrency=2</c>): the ceilings
/// the claim statement keeps for that job type across the whole cluster. Give every worker node the same section.
/// </summary>
public sealed class TypeLimitOptions
{
    public const string Section = "Conveyor:Types";

    /// <summary>Most jobs of the type running at once on all nodes together; null: no ceiling.</summary>
    public int? Concurrency { get; set; }

    /// <summary>Most jobs of the type started in any 60 seconds on all nodes together; null: no ceiling.</summary>
    public int? RatePerMinute { get; set; }

    /// <summary>A job type's name: a lowercase word of at most 64 characters (a-z, 0-9, '_', '.', '-').</summary>
    public static bool IsTypeName(string type) => JobCreateRequestValidator.IsTypeName(type);

    /// <summary>The limits of <paramref name="types"/>, or the problems that stop start-up (each naming its key).</summary>
    public static (IReadOnlyList<TypeLimit> Limits, IReadOnlyList<string> Problems) Resolve(IReadOnlyDictionary<string, TypeLimitOptions> types)
    {
        var limits = new List<TypeLimit>();
        var problems = new List<string>();
        foreach (var (type, options) in types.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            if (!IsTypeName(type))
                problems.Add($"{Section}:{type} is not a job type (a lowercase word of at most 64 characters).");
            if (options.Concurrency is < 1)
                problems.Add($"{Section}:{type}:Concurrency must be at least 1 (pause a type to stop it).");
            if (options.RatePerMinute is < 1)
                problems.Add($"{Section}:{type}:RatePerMinute must be at least 1 (pause a type to stop it).");
            limits.Add(new TypeLimit(type, options.Concurrency, options.RatePerMinute));
        }
        return (limits, problems);
    }
}
