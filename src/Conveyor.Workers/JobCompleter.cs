using System.Threading.Channels;
using Conveyor.Storage;
using Microsoft.Extensions.Logging;

namespace Conveyor.Workers;

/// <summary>
/// Writes handler outcomes in batches, like River's completer: while one transaction is in flight the next batch
/// gathers, and while this process still has jobs running or waiting for a worker (their outcomes are on the way) a
/// batch waits up to the completion window after its oldest outcome for them, so the workers' outcomes of those
/// milliseconds share one transaction; a lone outcome, or a full batch, goes at once. The one owner of the outcomes
/// not yet written; a job stays held (and its lease extended) until its outcome is in the store, and a failed write
/// is retried with the same batch, so an outcome is never dropped while the process lives.
/// </summary>
internal sealed class JobCompleter(IJobQueue queue, HeldJobs held, string owner, int batchSize, TimeSpan window, TimeProvider time, ILogger logger)
{
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(5);

    private readonly Channel<Pending> _channel = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Queues an outcome for writing; false once the completer was closed by a shutdown.</summary>
    public bool TryEnqueue(Completion completion) => _channel.Writer.TryWrite(new Pending(completion, time.GetTimestamp()));

    /// <summary>No more completions will come; <see cref="RunAsync"/> ends once everything queued is written.</summary>
    public void Complete() => _channel.Writer.TryComplete();

    /// <summary>Writes batches of at most the batch size until <see cref="Complete"/> and the queue is empty, or <paramref name="abort"/>.</summary>
    public async Task RunAsync(CancellationToken abort)
    {
        var batch = new List<Completion>(batchSize);
        var delay = FirstRetryDelay;
        while (batch.Count > 0 || await _channel.Reader.WaitToReadAsync(abort))
        {
            var oldest = Take(batch);
            if (oldest is { } since) await GatherAsync(batch, since, abort);
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

    /// <summary>Moves queued outcomes into the batch, up to its size; returns when the first of a new batch was queued.</summary>
    private long? Take(List<Completion> batch)
    {
        long? oldest = null;
        var fresh = batch.Count == 0;
        while (batch.Count < batchSize && _channel.Reader.TryRead(out var pending))
        {
            if (fresh && batch.Count == 0) oldest = pending.QueuedAt;
            batch.Add(pending.Completion);
        }
        return oldest;
    }

    /// <summary>
    /// Lets more outcomes join the batch until it is full, the window since its oldest outcome has passed, this process
    /// has no job left running or waiting (nothing more is coming soon), or the completer is closed.
    /// </summary>
    private async Task GatherAsync(List<Completion> batch, long oldest, CancellationToken abort)
    {
        while (batch.Count < batchSize && held.RunningCount + held.BufferedCount > 0)
        {
            var left = window - time.GetElapsedTime(oldest);
            if (left <= TimeSpan.Zero) return;
            using var expiry = new CancellationTokenSource(left, time);
            using var either = CancellationTokenSource.CreateLinkedTokenSource(abort, expiry.Token);
            try
            {
                if (!await _channel.Reader.WaitToReadAsync(either.Token)) return;
            }
            catch (OperationCanceledException) when (!abort.IsCancellationRequested)
            {
                return;
            }
            Take(batch);
        }
    }

    private readonly record struct Pending(Completion Completion, long QueuedAt);
}
