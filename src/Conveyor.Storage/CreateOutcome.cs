using Conveyor.Core;

namespace Conveyor.Storage;

/// <summary>The job a create returned, whether it is new, and whether an idempotency key clashed.</summary>
public sealed record CreateOutcome(Job Job, bool Created, bool IdempotencyConflict = false);
