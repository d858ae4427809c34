using System.Text.Json;

namespace Conveyor.Cli;

/// <summary>
/// The server and key <c>conveyor login</c> saved, in <c>$XDG_CONFIG_HOME/conveyor/profile.json</c> (else
/// <c>~/.config/conveyor/profile.json</c>), readable by its owner only (mode 0600): it holds a secret.
/// </summary>
public sealed record ClientProfile(string Server, string ApiKey)
{
    public static string FilePath
    {
        get
        {
            var config = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } xdg
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
            return Path.Combine(config, "conveyor", "profile.json");
        }
    }

    public static ClientProfile? Load()
    {
        var path = FilePath;
        if (!File.Exists(path)) return null;
        try
        {
            var profile = JsonSerializer.Deserialize<ClientProfile>(File.ReadAllText(path), Json);
            return profile is { Server.Length: > 0, ApiKey.Length: > 0 } ? profile : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public void Save()
    {
        var path = FilePath;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        // Created 0600, never widened and narrowed after: the key is never readable by others, not even for a moment.
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(path, options)) JsonSerializer.Serialize(stream, this, Json);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };
}
