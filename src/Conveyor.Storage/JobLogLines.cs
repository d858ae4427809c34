namespace Conveyor.Storage;

/// <summary>The rule both drivers keep when lines arrive: per job, only the newest <c>keep</c>, in their order.</summary>
internal static class JobLogLines
{
    /// <summary>The newest <paramref name="keep"/> lines of each job; the first kept line of a job counts those dropped before it.</summary>
    public static IReadOnlyList<JobLogLine> Newest(IReadOnlyList<JobLogLine> lines, int keep)
    {
        if (keep <= 0) return [];
        var counts = new Dictionary<Guid, int>();
        foreach (var line in lines) counts[line.JobId] = counts.GetValueOrDefault(line.JobId) + 1;
        if (counts.Values.All(c => c <= keep)) return lines;
        var drop = counts.ToDictionary(c => c.Key, c => Math.Max(0, c.Value - keep));
        var skipped = new Dictionary<Guid, long>();
        var kept = new List<JobLogLine>(lines.Count);
        foreach (var line in lines)
        {
            if (drop[line.JobId] > 0)
            {
                drop[line.JobId]--;
                skipped[line.JobId] = skipped.GetValueOrDefault(line.JobId) + line.SkippedBefore + 1;
                continue;
            }
            if (skipped.Remove(line.JobId, out var before)) kept.Add(line with { SkippedBefore = line.SkippedBefore + before });
            else kept.Add(line);
        }
        return kept;
    }
}
