using System.Collections.Concurrent;
using System.Diagnostics;
using Conveyor.Core;
using Conveyor.Storage;
using Microsoft.Extensions.Logging;

namespace Conveyor.Workers;

/// <summary>
/// The worker slots: each takes the next held job, runs its handler with the job's token, progress reporter and a
/// logger, and hands the outcome to the completer. A handler that throws fails the attempt (retried with back-off
/// while attempts remain); one stopped on purpose ends cancelled (cancel requested) or without an outcome (shutdown,
/// to be handed back).
/// </summary>
internal sealed class JobExecutor(JobHandlerRegistry handlers, HeldJobs held, JobCompleter completer, PrefetchPolicy prefetch,
    WakeSignal claimWake, WorkerOptions options, string owner, TimeProvider time, ILoggerFactory loggers, WorkerMetrics? metrics = null, JobLogBuffer? jobLog = null)
{
    private readonly ILogger _logger = loggers.CreateLogger<JobExecutor>();
    private readonly ConcurrentDictionary<string, ILogger> _handlerLoggers = new(StringComparer.Ordinal);

    /// <summary>One worker slot: runs jobs one after another until <paramref name="stopTaking"/> fires.</summary>
    public async Task RunSlotAsync(CancellationToken stopTaking)
    {
        try
        {
            while (!stopTaking.IsCancellationRequested)
            {
                var execution = await held.TakeAsync(stopTaking);
                if (execution is null) break;
                await RunAsync(execution);
            }
        }
        catch (OperationCanceledException) when (stopTaking.IsCancellationRequested)
        {
            // Shutdown: this slot takes no more jobs.
        }
    }

    /// <summary>Runs one taken job to its end and passes the outcome on.</summary>
    public async Task RunAsync(Execution execution)
    {
        var started = time.GetTimestamp();
        var completion = await ExecuteAsync(execution);
        var took = time.GetElapsedTime(started);
        prefetch.Record(took);
        metrics?.Ran(execution.Job.Type, OutcomeOf(completion), took,
            completion?.Operation == JobOperation.Succeed ? execution.Progress.Latest?.RecordsProcessed ?? 0 : 0);
        var id = execution.Job.Id;
        held.Finish(execution, completion is not null);
        // After a shutdown the completer may be closed: the job is then handed back with the rest.
        if (completion is not null && !completer.TryEnqueue(completion with { Progress = execution.Progress.Latest })) held.Abandon(id);
        execution.Dispose();
        claimWake.Set();
    }

    private static string OutcomeOf(Completion? completion) => completion?.Operation switch
    {
        null => "released",
        JobOperation.Succeed => "succeeded",
        JobOperation.AcknowledgeCancel => "cancelled",
        _ => "failed",
    };

    /// <summary>The handler's outcome as a completion; <c>null</c> when a shutdown stopped it (it goes back to the queue).</summary>
    public async Task<Completion?> ExecuteAsync(Execution execution)
    {
        var job = execution.Job;
        // The job's span, a child of the request that created the job (its traceparent is stored with the job).
        ActivityContext.TryParse(job.TraceParent, null, out var parent);
        using var activity = WorkerMetrics.Source.StartActivity("job " + job.Type, ActivityKind.Consumer, parent);
        activity?.SetTag("job.id", job.Id.ToString());
        activity?.SetTag("job.type", job.Type);
        activity?.SetTag("job.attempt", job.Attempt);
        try
        {
            execution.Cancellation.Token.ThrowIfCancellationRequested();
            WorkerLog.Invoked(_logger, job.Id, job.Type, job.Attempt, owner);
            var handler = handlers.Find(job.Type);
            if (handler is null)
            {
                var reference = ErrorReference.New();
                WorkerLog.NoHandler(_logger, job.Id, job.Type, reference);
                return Failure(job, $"No handler is registered for type '{job.Type}' on this worker.", reference);
            }
            var logger = _handlerLoggers.GetOrAdd(job.Type, type => loggers.CreateLogger("Conveyor.Handlers." + type));
            if (jobLog is not null) logger = new JobLogger(logger, jobLog, job, time);
            var context = new JobContext(job, execution.Progress, logger);
            await handler.HandleAsync(context, execution.Cancellation.Token);
            if (execution.Progress.Latest is { } progress) activity?.SetTag("records.processed", progress.RecordsProcessed);
            var output = context.Written;
            return new Completion(job.Id, JobOperation.Succeed, TransitionInput.None, Result: output?.Result,
                FollowUps: output?.FollowUps is { Count: > 0 } followUps ? followUps : null) { Attempt = job.Attempt };
        }
        catch (Exception) when (execution.StopReason != StopReason.None)
        {
            // Stopped on purpose: a requested cancel ends the job cancelled; a shutdown hands it back; a lost lease leaves
            // the job to the attempt that holds it now.
            WorkerLog.Stopping(_logger, job.Id, execution.StopReason.ToString());
            return execution.StopReason == StopReason.CancelRequested
                ? new Completion(job.Id, JobOperation.AcknowledgeCancel, TransitionInput.None) { Attempt = job.Attempt }
                : null;
        }
        catch (Exception e)
        {
            var reference = ErrorReference.New();
            activity?.SetStatus(ActivityStatusCode.Error, reference);
            WorkerLog.HandlerFailed(_logger, e, job.Id, reference);
            // A failure no retry can fix fails the job at once, whatever attempts remain.
            return e is JobFailedException { Retryable: false }
                ? new Completion(job.Id, JobOperation.Discard, new TransitionInput { Error = SafeError.Sanitize(e.Message), ErrorRef = reference }) { Attempt = job.Attempt }
                : Failure(job, SafeError.Sanitize(e.Message), reference);
        }
    }

    private Completion Failure(Job job, string error, string reference)
    {
        var delay = Backoff.Delay(job.Attempt, options.RetryBaseDelay, options.RetryMaxDelay, Random.Shared.NextDouble());
        return new Completion(job.Id, JobOperation.Fail,
            new TransitionInput { Error = error, ErrorRef = reference, RetryAt = time.GetUtcNow() + delay }) { Attempt = job.Attempt };
    }
}
