using System.Text.RegularExpressions;

namespace Conveyor.Core;

/// <summary>
/// Turns arbitrary error text into something safe to show a client: no stack trace, file path,
/// SQL, connection string or secret survives. The full detail stays in the server log.
/// </summary>
public static partial class SafeError
{
    public const int MaxLength = 500;
    public const string Generic = "The job failed; see the server log for details.";

    [GeneratedRegex(@"^\s*at\s+\S+.*$", RegexOptions.Multiline)]
    private static partial Regex StackFrame();

    // A Windows folder may hold spaces ("C:\Program Files\…"): it runs to its backslash. A Unix path stops at a space.
    [GeneratedRegex(@"(?:[A-Za-z]:\\(?:[^\\/:*?""<>|\r\n]+\\)*|/(?:[^\s/\\:*?""<>|]+[/\\])+)[^\s/\\:*?""<>|]*")]
    private static partial Regex FilePath();

    [GeneratedRegex(@"\b(?:password|pwd|user id|uid|username|host|server|database|api[_-]?key|secret|token)\s*[=:]\s*[^;,\s]+", RegexOptions.IgnoreCase)]
    private static partial Regex Secret();

    [GeneratedRegex(@"\b(?:SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER)\b[\s\S]*", RegexOptions.IgnoreCase)]
    private static partial Regex Sql();

    [GeneratedRegex(@"\b(?:bearer\s+)?[A-Za-z0-9_\-]{32,}\b", RegexOptions.IgnoreCase)]
    private static partial Regex LongToken();

    /// <summary>The first line of <paramref name="message"/>, scrubbed and capped.</summary>
    public static string Sanitize(string? message)
    {
        if (string.IsNullOrWhiteSpace(message)) return Generic;
        var text = StackFrame().Replace(message, string.Empty);
        text = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? string.Empty;
        text = Sql().Replace(text, "[sql]");
        text = Secret().Replace(text, "[redacted]");
        text = FilePath().Replace(text, "[path]");
        text = LongToken().Replace(text, "[redacted]");
        text = new string(text.Where(c => !char.IsControl(c)).ToArray()).Trim();
        if (text.Length == 0) return Generic;
        return text.Length <= MaxLength ? text : text[..MaxLength] + "…";
    }
}
