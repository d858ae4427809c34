using System.Diagnostics;
using System.Security.Cryptography;

namespace Conveyor.Workers;

/// <summary>Short references that tie a safe client-facing error to the full detail in the server log.</summary>
public static class ErrorReference
{
    /// <summary>The current trace id when there is one, else a random 16-hex-digit reference.</summary>
    public static string New() =>
        Activity.Current?.TraceId.ToHexString() is { } trace && trace != default(ActivityTraceId).ToHexString()
            ? trace
            : Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
}
