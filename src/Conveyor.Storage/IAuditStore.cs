namespace Conveyor.Storage;

/// <summary>The append-only audit log, as one type to register. Consumers depend on the part they use.</summary>
public interface IAuditStore : IAuditLog, IAuditReader;
