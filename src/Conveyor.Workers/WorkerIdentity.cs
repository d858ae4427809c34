using System.Security.Cryptography;

namespace Conveyor.Workers;

/// <summary>The lease owner name of this process's workers: host, process id and a random suffix.</summary>
public sealed record WorkerIdentity(string Owner)
{
    public static WorkerIdentity ForThisProcess() =>
        new($"{Environment.MachineName}:{Environment.ProcessId}:{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}");
}
