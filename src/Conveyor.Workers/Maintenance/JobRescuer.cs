using Conveyor.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Conveyor.Workers.Maintenance;

/// <summary>
/// Every <see cref="WorkerOptions.SweepInterval"/>, rescues running jobs whose lease expired (their worker was lost):
/// re-queued while attempts remain, else failed "worker lost"; a cancel-requested job ends cancelled. Rescues in
/// batches of <see cref="BatchSize"/> until a batch comes back short.
/// </summary>
public sealed class JobRescuer(IJobMaintenance maintenance, IOptions<WorkerOptions> options, ILogger<JobRescuer> logger,
    WorkerMetrics? metrics = null) : IMaintenanceService
{
    public const int BatchSize = 1000;

    public string Name => "rescuer";

    public TimeSpan Interval => options.Value.SweepInterval;

    public async Task RunOnceAsync(CancellationToken ct)
    {
        int rescued;
        do
        {
            rescued = await maintenance.RescueExpiredAsync(BatchSize, ct);
            if (rescued > 0)
            {
                WorkerLog.Rescued(logger, rescued);
                metrics?.Rescued(rescued);
            }
        }
        while (rescued == BatchSize && !ct.IsCancellationRequested);
    }
}
