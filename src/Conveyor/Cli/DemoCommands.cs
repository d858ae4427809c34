using System.CommandLine;
using Conveyor.Storage;

namespace Conveyor.Cli;

/// <summary><c>demo seed|clear</c>: synthetic courses, sessions and jobs (<see cref="DemoContent"/>), written and removed as a set.</summary>
public static class DemoCommands
{
    public static Command Build(Func<ParseResult, CancellationToken, Task<IHost>> storeHost)
    {
        var seed = new Command("seed", "Add synthetic courses, sessions (every badge) and jobs (every status), marked synthetic.");
        seed.TreatUnmatchedTokensAsErrors = false;
        seed.SetAction(async (parse, ct) =>
        {
            using var host = await storeHost(parse, ct);
            var content = DemoContent.Build(host.Services.GetRequiredService<TimeProvider>().GetUtcNow());
            await host.Services.GetRequiredService<IDemoData>().SeedDemoAsync(content, ct);
            Console.Out.WriteLine($"Seeded {content.Sessions.Count} synthetic sessions in {string.Join(", ", DemoContent.Courses)} " +
                $"and {content.Jobs.Count} synthetic jobs. Remove them with: conveyor demo clear");
            return ExitCodes.Ok;
        });

        var clear = new Command("clear", "Remove every synthetic session and job (with their events, files and results); nothing else.");
        clear.TreatUnmatchedTokensAsErrors = false;
        clear.SetAction(async (parse, ct) =>
        {
            using var host = await storeHost(parse, ct);
            var cleared = await host.Services.GetRequiredService<IDemoData>().ClearDemoAsync(ct);
            Console.Out.WriteLine($"Removed {cleared.Sessions} synthetic sessions and {cleared.Jobs} synthetic jobs.");
            return ExitCodes.Ok;
        });

        return new Command("demo", "Synthetic data for trying Conveyor out (seed 000's mocks).") { seed, clear };
    }
}
