namespace Conveyor.Storage;

/// <summary>A column a job list can be counted by (<see cref="IJobReader.CountByAsync"/>): the queue's chips and its counts by type.</summary>
public enum JobCountField
{
    Status,
    Type,
}
