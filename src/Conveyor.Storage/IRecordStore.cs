namespace Conveyor.Storage;

/// <summary>
/// Everything a driver implements for ingestion, as one type to register: stored files, detection results, loaded
/// rows (<c>records</c>) and the rows that failed to parse. Consumers depend on the part they use.
/// </summary>
public interface IRecordStore : IRecordLoader, IRecordReader, IUploadStore;
