namespace Conveyor.Sessions.Captions;

/// <summary>The W3C WebVTT "collect a WebVTT timestamp" and "collect WebVTT cue timings and settings" steps, in milliseconds.</summary>
internal static class WebVttTimestamp
{
    // More hour digits than this would overflow long milliseconds; no real caption file has them.
    private const int MaxHourDigits = 9;

    /// <summary>The start and end of a timing line; cue settings after the end are ignored. Null when the timings are malformed.</summary>
    public static (long Start, long End)? Timings(string line)
    {
        var position = 0;
        SkipWhitespace(line, ref position);
        if (Collect(line, ref position) is not { } start) return null;
        SkipWhitespace(line, ref position);
        if (string.CompareOrdinal(line, position, "-->", 0, 3) != 0) return null;
        position += 3;
        SkipWhitespace(line, ref position);
        if (Collect(line, ref position) is not { } end) return null;
        return (start, end);
    }

    /// <summary>Collects a timestamp at <paramref name="position"/> (<c>mm:ss.ttt</c> or <c>h…:mm:ss.ttt</c>) and moves past it.</summary>
    public static long? Collect(string input, ref int position)
    {
        var hoursFirst = false;
        var first = Digits(input, ref position);
        if (first.Length == 0) return null;
        if (first.Length != 2 || Value(first) > 59) hoursFirst = true;
        if (!Take(input, ref position, ':')) return null;
        var second = Digits(input, ref position);
        if (second.Length != 2) return null;
        long hours, minutes, seconds;
        if (hoursFirst || (position < input.Length && input[position] == ':'))
        {
            if (!Take(input, ref position, ':')) return null;
            var third = Digits(input, ref position);
            if (third.Length != 2) return null;
            if (first.Length > MaxHourDigits) return null;
            (hours, minutes, seconds) = (Value(first), Value(second), Value(third));
        }
        else
        {
            (hours, minutes, seconds) = (0, Value(first), Value(second));
        }
        if (!Take(input, ref position, '.')) return null;
        var fraction = Digits(input, ref position);
        if (fraction.Length != 3) return null;
        if (minutes > 59 || seconds > 59) return null;
        return ((hours * 60 + minutes) * 60 + seconds) * 1000 + Value(fraction);
    }

    private static ReadOnlySpan<char> Digits(string input, ref int position)
    {
        var start = position;
        while (position < input.Length && char.IsAsciiDigit(input[position])) position++;
        return input.AsSpan(start, position - start);
    }

    private static long Value(ReadOnlySpan<char> digits)
    {
        long value = 0;
        foreach (var c in digits) value = value * 10 + (c - '0');
        return value;
    }

    private static bool Take(string input, ref int position, char expected)
    {
        if (position >= input.Length || input[position] != expected) return false;
        position++;
        return true;
    }

    // ASCII whitespace within a line: a line holds no line feed, and carriage returns became line feeds.
    private static void SkipWhitespace(string input, ref int position)
    {
        while (position < input.Length && input[position] is ' ' or '\t' or '\f') position++;
    }
}
