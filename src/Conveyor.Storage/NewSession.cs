namespace Conveyor.Storage;

/// <summary>A validated session to insert with its first job (SPEC §5): what a person gave, and who gave it.</summary>
public sealed record NewSession
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public required string CourseId { get; init; }
    public required string Title { get; init; }
    public bool Synthetic { get; init; }
    public string CreatedBy { get; init; } = "system";
}
