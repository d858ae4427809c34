using System.Text;

namespace Conveyor.Ingestion.Detection;

/// <summary>Finds the delimiter, quote and header of delimited text from a sample, and splits the sample into records.</summary>
public static class CsvDialectDetector
{
    public static readonly char[] Delimiters = [',', ';', '\t', '|'];

    /// <summary>The best delimiter with the share of sample records that have its most common field count.</summary>
    public static (char Delimiter, double Consistency, int Fields) FindDelimiter(string text, bool complete)
    {
        var best = (Delimiter: ',', Consistency: 0.0, Fields: 1);
        foreach (var delimiter in Delimiters)
        {
            var records = Split(text, delimiter, '"', complete, 200);
            if (records.Count == 0) continue;
            var mode = records.GroupBy(r => r.Count).OrderByDescending(g => g.Count()).ThenByDescending(g => g.Key).First();
            if (mode.Key < 2) continue;
            var consistency = (double)mode.Count() / records.Count;
            // Prefer the more consistent split; on a tie, the one that makes more fields.
            if (consistency > best.Consistency + 1e-9 || (Math.Abs(consistency - best.Consistency) < 1e-9 && mode.Key > best.Fields))
                best = (delimiter, consistency, mode.Key);
        }
        return best;
    }

    /// <summary>Delimited text: most sample lines split into the same number (at least two) of fields.</summary>
    public static bool LooksTabular(string text, bool complete)
    {
        var (_, consistency, fields) = FindDelimiter(text, complete);
        return fields >= 2 && consistency >= 0.8;
    }

    /// <summary>Splits <paramref name="text"/> into records and fields (RFC 4180 quoting; "" is a quote inside quotes).</summary>
    public static List<List<string>> Split(string text, char delimiter, char quote, bool complete, int maxRecords)
    {
        var records = new List<List<string>>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        var i = 0;
        if (text.Length > 0 && text[0] == '\ufeff') i = 1;
        var recordStart = true;
        for (; i < text.Length && records.Count < maxRecords; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == quote)
                {
                    if (i + 1 < text.Length && text[i + 1] == quote) { field.Append(quote); i++; }
                    else quoted = false;
                }
                else field.Append(c);
                continue;
            }
            if (c == quote && field.Length == 0) { quoted = true; recordStart = false; }
            else if (c == delimiter) { fields.Add(field.ToString()); field.Clear(); recordStart = false; }
            else if (c is '\n' or '\r')
            {
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n') i++;
                if (!recordStart || field.Length > 0)
                {
                    fields.Add(field.ToString());
                    records.Add(fields);
                }
                fields = [];
                field.Clear();
                recordStart = true;
            }
            else { field.Append(c); recordStart = false; }
        }
        // The record cut off by the end of the sample counts only when the sample is the whole file.
        if (complete && !quoted && (!recordStart || field.Length > 0) && records.Count < maxRecords)
        {
            fields.Add(field.ToString());
            records.Add(fields);
        }
        return records;
    }

    /// <summary>A header: every first-row cell is a distinct, non-empty word that is not a value of the column's type.</summary>
    public static bool HasHeader(List<List<string>> records)
    {
        if (records.Count == 0) return false;
        var first = records[0];
        if (first.Any(string.IsNullOrWhiteSpace) || first.Distinct(StringComparer.Ordinal).Count() != first.Count) return false;
        if (first.Any(c => ValueTypes.Infer(c) != ValueTypes.String)) return false;
        if (records.Count == 1) return true;
        var rest = records.Skip(1).ToList();
        for (var col = 0; col < first.Count; col++)
        {
            var type = ValueTypes.InferColumn(rest.Select(r => col < r.Count ? r[col] : ""));
            if (type != ValueTypes.String) return true;
        }
        // All text: a header if none of its cells appear again in its column.
        return Enumerable.Range(0, first.Count).All(col => rest.All(r => col >= r.Count || r[col] != first[col]));
    }
}
