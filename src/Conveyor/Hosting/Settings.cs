using System.ComponentModel.DataAnnotations;

namespace Conveyor.Hosting;

/// <summary>
/// Binds a configuration section and checks it at once, before anything is built or started, so a bad setting stops
/// start-up with a message that names its key (never its value: a key may be a secret) instead of a stack trace.
/// </summary>
public static class Settings
{
    /// <summary>Binds <paramref name="section"/> to <typeparamref name="T"/>, adding what is wrong to <paramref name="problems"/>.</summary>
    public static T Check<T>(IConfiguration configuration, string section, List<string> problems, Func<T, IEnumerable<string>>? validate = null)
        where T : class, new()
    {
        T options;
        try
        {
            options = configuration.GetSection(section).Get<T>() ?? new T();
        }
        catch (InvalidOperationException e) when (e.InnerException is FormatException or OverflowException or ArgumentException)
        {
            // The binder's message names the key, the value and the type: "Failed to convert configuration value … at 'Conveyor:Workers:Count' …".
            problems.Add(e.Message);
            return new T();
        }
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        foreach (var result in results)
            problems.Add($"{section}:{string.Join(",", result.MemberNames)}: {result.ErrorMessage}");
        if (validate is not null) problems.AddRange(validate(options));
        return options;
    }
}
