using System.Collections.Concurrent;
using System.Threading.Channels;
using Conveyor.Storage;
using Microsoft.Extensions.Logging;

namespace Conveyor.Workers;

/// <summary>
/// Writes handler outcomes in batches, like River's completer: while one transaction is in flight the next
/// batch gathers, so a busy worker pool needs far fewer commits than jobs. A job stays "pending" (and its
/// lease keeps being extended) until its outcome is in the store.
/// </summary>
internal sealed class JobCompleter(IJobQueue store, string owner, int batchSize, ILogger logger)
{
    private readonly Channel<Completion> _channel = Channel.CreateUnbounded<Completion>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<Guid, byte> _pending = new();

    public ICollection<Guid> Pending => _pending.Keys;

    /// <summary>Queues an outcome for writing; false once the completer was closed by a shutdown.</summary>
    public bool TryEnqueue(Completion completion)
    {
        _pending[completion.Id] = 0;
        if (_channel.Writer.TryWrite(completion)) return true;
        _pending.TryRemove(completion.Id, out _);
        return false;
    }

    /// <summary>No more completions will come; <see cref="RunAsync"/> ends once everything is written.</summary>
    public void Complete() => _channel.Writer.TryComplete();

    public async Task RunAsync(CancellationToken abort)
    {
        var batch = new List<Completion>(batchSize);
        var delay = TimeSpan.FromMilliseconds(50);
        while (batch.Count > 0 || await _channel.Reader.WaitToReadAsync(abort))
        {
            while (batch.Count < batchSize && _channel.Reader.TryRead(out var completion)) batch.Add(completion);
            try
            {
                await store.CompleteAsync(owner, batch, abort);
                foreach (var completion in batch) _pending.TryRemove(completion.Id, out _);
                batch.Clear();
                delay = TimeSpan.FromMilliseconds(50);
            }
            catch (Exception e) when (e is not OperationCanceledException || !abort.IsCancellationRequested)
            {
                // Keep the batch and try again: an outcome is never dropped while the process lives.
                WorkerLog.LoopFailed(logger, e, "completer", delay);
                await Task.Delay(delay, abort);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }
}
