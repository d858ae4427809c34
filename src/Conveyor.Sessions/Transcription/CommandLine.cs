using System.Text;

namespace Conveyor.Sessions.Transcription;

/// <summary>Splits a one-line command into arguments at spaces and tabs; double or single quotes group (no other shell syntax).</summary>
internal static class CommandLine
{
    public static string[] Split(string line)
    {
        var arguments = new List<string>();
        var current = new StringBuilder();
        var inArgument = false;
        char? quote = null;
        foreach (var c in line)
        {
            if (quote is { } q)
            {
                if (c == q) quote = null;
                else current.Append(c);
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                inArgument = true;
            }
            else if (c is ' ' or '\t')
            {
                if (inArgument) arguments.Add(current.ToString());
                current.Clear();
                inArgument = false;
            }
            else
            {
                current.Append(c);
                inArgument = true;
            }
        }
        if (inArgument) arguments.Add(current.ToString());
        return [.. arguments];
    }
}
