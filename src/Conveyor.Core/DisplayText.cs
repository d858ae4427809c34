using System.Globalization;
using System.Text;

namespace Conveyor.Core;

/// <summary>
/// Text a client gave that is stored and shown to other people (an uploaded file's name): control characters (NUL,
/// ESC…), format characters (U+202E RIGHT-TO-LEFT OVERRIDE, zero-width ones) and unpaired surrogates removed.
/// </summary>
public static class DisplayText
{
    /// <summary>Whether <paramref name="c"/> is a character no stored name may hold: control (Cc) or format (Cf).</summary>
    public static bool IsUnsafe(char c) => char.IsControl(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format;

    /// <summary>The text without unsafe characters, trimmed and cut to <paramref name="max"/>; null when nothing is left.</summary>
    public static string? Clean(string? text, int max)
    {
        if (text is null) return null;
        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                if (CharUnicodeInfo.GetUnicodeCategory(text, i) != UnicodeCategory.Format) builder.Append(c).Append(text[i + 1]);
                i++;
                continue;
            }
            if (char.IsSurrogate(c) || IsUnsafe(c)) continue;
            builder.Append(c);
        }
        var clean = builder.ToString().Trim();
        if (clean.Length > max) clean = char.IsHighSurrogate(clean[max - 1]) ? clean[..(max - 1)] : clean[..max];
        return clean.Length == 0 ? null : clean;
    }
}
