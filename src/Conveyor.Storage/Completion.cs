using Conveyor.Core;

namespace Conveyor.Storage;

/// <summary>How a handler ended: <see cref="JobOperation.Succeed"/>, <see cref="JobOperation.Fail"/>, <see cref="JobOperation.Discard"/> or <see cref="JobOperation.AcknowledgeCancel"/>.</summary>
public sealed record Completion(Guid Id, JobOperation Operation, TransitionInput Input, ProgressUpdate? Progress = null);
