using System.Globalization;

namespace Conveyor.Ingestion.Detection;

/// <summary>The types detection infers for a column: integer, number, boolean, date, datetime, string.</summary>
public static class ValueTypes
{
    public const string Integer = "integer";
    public const string Number = "number";
    public const string Boolean = "boolean";
    public const string Date = "date";
    public const string DateTime = "datetime";
    public const string String = "string";
    public const string Empty = "empty";

    public static string Infer(string value)
    {
        var v = value.Trim();
        if (v.Length == 0) return Empty;
        if (long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)) return Integer;
        // Finite: "NaN", "Infinity" and "1e999" parse as doubles but are not numbers a column holds; "1.5e3" is.
        if (double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)) return Number;
        if (v.Equals("true", StringComparison.OrdinalIgnoreCase) || v.Equals("false", StringComparison.OrdinalIgnoreCase)) return Boolean;
        if (v.Length == 10 && DateOnly.TryParseExact(v, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _)) return Date;
        if (v.Length >= 16 && v[4] == '-' && DateTimeOffset.TryParse(v, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _))
            return DateTime;
        return String;
    }

    /// <summary>The one type every non-empty value fits (integer widens to number), else string.</summary>
    public static string InferColumn(IEnumerable<string> values)
    {
        string? type = null;
        foreach (var value in values)
        {
            var t = Infer(value);
            if (t == Empty) continue;
            if (type is null) type = t;
            else if (type != t) type = (type, t) is (Integer, Number) or (Number, Integer) ? Number : String;
            if (type == String) return String;
        }
        return type ?? String;
    }
}
