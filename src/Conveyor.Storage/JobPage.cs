using Conveyor.Core;

namespace Conveyor.Storage;

/// <summary>
/// One page of a job list, with the total that matches the filters and the cursor of the next page. When
/// <see cref="TotalCapped"/>, more than <see cref="Total"/> jobs match (the query's <see cref="JobQuery.CountLimit"/>).
/// </summary>
public sealed record JobPage(IReadOnlyList<Job> Items, long Total, JobCursor? Next, bool TotalCapped = false);
