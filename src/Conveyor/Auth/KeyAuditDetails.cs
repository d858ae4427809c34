using System.Text.Json;
using Conveyor.Storage;

namespace Conveyor.Auth;

/// <summary>What the audit log keeps about a key (<c>key.create</c>'s details): its name, role and prefix, never the key.</summary>
public static class KeyAuditDetails
{
    public static string Of(ApiKeyRecord record) => JsonSerializer.Serialize(
        new Dictionary<string, string> { ["name"] = record.Name, ["role"] = record.Role, ["prefix"] = record.Prefix });
}
