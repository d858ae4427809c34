namespace Conveyor.Storage;

/// <summary>What one pruning batch removed: how many jobs (with their events, detections, failures, records), and the stored files they had.</summary>
public sealed record PrunedJobs(int Jobs, IReadOnlyList<string> FilePaths);
