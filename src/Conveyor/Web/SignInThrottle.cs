using System.Threading.RateLimiting;
using Conveyor.Auth;
using Microsoft.Extensions.Options;

namespace Conveyor.Web;

/// <summary>
/// Failed sign-ins per client address, in the same window as failed API authentication
/// (<see cref="AuthOptions.FailedAuthPerMinute"/> a minute): past it, the sign-in form answers 429 before it looks at the key.
/// Only failures count, so a person signing in and out is never locked out.
/// </summary>
public sealed class SignInThrottle(IOptions<AuthOptions> options) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _failures = PartitionedRateLimiter.Create<string, string>(address =>
        RateLimitPartition.GetFixedWindowLimiter(address, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = options.Value.FailedAuthPerMinute,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        }));

    /// <summary>True while the address has failures left in its window (asking does not use one up).</summary>
    public bool Allows(string address) => _failures.GetStatistics(address)?.CurrentAvailablePermits is not 0;

    public void Failed(string address) => _failures.AttemptAcquire(address).Dispose();

    public void Dispose() => _failures.Dispose();
}
