using System.Reflection;
using System.Text.RegularExpressions;

namespace Conveyor.Storage;

/// <summary>One numbered, embedded <c>.sql</c> migration of a driver.</summary>
public sealed partial record Migration(int Version, string Name, string Sql)
{
    [GeneratedRegex(@"\.(?<version>\d{4})_(?<name>[a-z0-9_]+)\.sql$")]
    private static partial Regex ResourceName();

    /// <summary>The migrations a driver's <paramref name="assembly"/> embeds under <paramref name="prefix"/>, in version order.</summary>
    public static IReadOnlyList<Migration> Load(Assembly assembly, string prefix)
    {
        var list = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var match = ResourceName().Match(resource);
            if (!match.Success) continue;
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            list.Add(new Migration(int.Parse(match.Groups["version"].Value), match.Groups["name"].Value, reader.ReadToEnd()));
        }
        var ordered = list.OrderBy(m => m.Version).ToList();
        // Numbers are handed out to work in parallel, so one may land before a lower one: a gap is allowed (the store
        // applies every version it has not recorded, whatever came first), a number used twice is not.
        for (var i = 1; i < ordered.Count; i++)
        {
            if (ordered[i].Version == ordered[i - 1].Version)
                throw new InvalidOperationException($"Migrations under {prefix} use {ordered[i].Version:D4} twice.");
        }
        return ordered;
    }
}
