using System.Text;

namespace Conveyor.Api.V1.Ingestion;

/// <summary>Makes a client's file name safe to store: one path segment of letters, digits, '.', '-', '_'.</summary>
public static class FileNames
{
    public const int MaxLength = 100;
    public const string Fallback = "upload";

    public static string Sanitize(string? original)
    {
        if (string.IsNullOrWhiteSpace(original)) return Fallback;
        var name = original.Normalize(NormalizationForm.FormKC);
        // Only the last segment, whichever separator the client's system used.
        var slash = name.LastIndexOfAny(['/', '\\']);
        if (slash >= 0) name = name[(slash + 1)..];
        var builder = new StringBuilder(name.Length);
        foreach (var rune in name.EnumerateRunes())
        {
            if (Rune.IsLetterOrDigit(rune) || rune.Value is '.' or '-' or '_') builder.Append(rune.ToString());
            else if (!Rune.IsControl(rune) && builder.Length > 0 && builder[^1] != '_') builder.Append('_');
        }
        var safe = builder.ToString().Trim('.', '_', '-');
        while (safe.Contains("..", StringComparison.Ordinal)) safe = safe.Replace("..", ".", StringComparison.Ordinal);
        if (safe.Length == 0) return Fallback;
        if (safe.Length > MaxLength)
        {
            var dot = safe.LastIndexOf('.');
            var extension = dot > 0 && safe.Length - dot <= 10 ? safe[dot..] : "";
            safe = safe[..(MaxLength - extension.Length)].TrimEnd('.') + extension;
        }
        return safe;
    }
}
