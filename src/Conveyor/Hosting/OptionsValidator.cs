using Microsoft.Extensions.Options;

namespace Conveyor.Hosting;

/// <summary>Adapts an options class's own <c>Validate()</c> (messages that name the key) to the options pipeline.</summary>
public sealed class OptionsValidator<T>(Func<T, IEnumerable<string>> validate) : IValidateOptions<T> where T : class
{
    public ValidateOptionsResult Validate(string? name, T options)
    {
        var failures = validate(options).ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
