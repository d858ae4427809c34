using Conveyor.Core;

namespace Conveyor.Storage;

/// <summary>One page of a job list, with the total that matches the filters and the cursor of the next page.</summary>
public sealed record JobPage(IReadOnlyList<Job> Items, long Total, JobCursor? Next);
