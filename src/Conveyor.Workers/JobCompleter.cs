using System.Threading.Channels;
using Conveyor.Storage;
using Microsoft.Extensions.Logging;

namespace Conveyor.Workers;

/// <summary>
/// Writes handler outcomes in batches, like River's completer: while one transaction is in flight the next batch
/// gathers, so a busy worker pool needs far fewer commits than jobs. The one owner of the outcomes not yet written;
/// a job stays held (and its lease extended) until its outcome is in the store, and a failed write is retried with
/// the same batch, so an outcome is never dropped while the process lives.
/// </summary>
internal sealed class JobCompleter(IJobQueue queue, HeldJobs held, string owner, int batchSize, TimeProvider time, ILogger logger)
{
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(5);

    private readonly Channel<Completion> _channel = Channel.CreateUnbounded<Completion>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Queues an outcome for writing; false once the completer was closed by a shutdown.</summary>
    public bool TryEnqueue(Completion completion) => _channel.Writer.TryWrite(completion);

    /// <summary>No more completions will come; <see cref="RunAsync"/> ends once everything queued is written.</summary>
    public void Complete() => _channel.Writer.TryComplete();

    /// <summary>Writes batches of at most the batch size until <see cref="Complete"/> and the queue is empty, or <paramref name="abort"/>.</summary>
    public async Task RunAsync(CancellationToken abort)
    {
        var batch = new List<Completion>(batchSize);
        var delay = FirstRetryDelay;
        while (batch.Count > 0 || await _channel.Reader.WaitToReadAsync(abort))
        {
            while (batch.Count < batchSize && _channel.Reader.TryRead(out var completion)) batch.Add(completion);
            try
            {
                await queue.CompleteAsync(owner, batch, abort);
                held.Forget(batch);
                batch.Clear();
                delay = FirstRetryDelay;
            }
            catch (Exception e) when (e is not OperationCanceledException || !abort.IsCancellationRequested)
            {
                WorkerLog.LoopFailed(logger, e, "completer", delay);
                await Task.Delay(delay, time, abort);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
            }
        }
    }
}
