using System.Text.RegularExpressions;

namespace Conveyor.Tests.Infrastructure;

/// <summary>Fails when a response body holds a stack trace, a server file path, SQL text or a .NET type name.</summary>
public static partial class LeakAssert
{
    [GeneratedRegex(@"\bat [A-Z][\w.]+\.\w+\(|\bException\b|/(?:tmp|work|home|root|usr|var)/|[A-Z]:\\|\b(?:SELECT|INSERT|UPDATE|DELETE)\s+\w|\bFROM\s+jobs\b|System\.\w+|Conveyor\.(?:Core|Storage|Workers)\b|Npgsql|SQLite Error")]
    private static partial Regex Leak();

    public static void Clean(string body)
    {
        var match = Leak().Match(body);
        Assert.False(match.Success, $"The response leaks '{match.Value}': {body}");
    }
}
