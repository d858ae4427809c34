using System.Reflection;
using System.Reflection.Emit;
using Conveyor.Application;
using Conveyor.Hosting;
using Conveyor.Storage;
using Conveyor.Tests.Infrastructure;

namespace Conveyor.Tests;

/// <summary>The application layer's shape: free of HTTP, and the one place jobs are built.</summary>
public sealed class ApplicationLayerTests
{
    private static readonly Assembly Application = typeof(JobService).Assembly;
    private static readonly Assembly Host = typeof(ConveyorHost).Assembly;

    [Fact]
    public void The_application_layer_knows_nothing_of_http_or_the_host()
    {
        // A later issue hosts the services as a library (AddConveyor): none of them may need an HttpContext.
        var references = Application.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.Contains("Conveyor.Storage", references);
        Assert.DoesNotContain(references, name => name.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
        Assert.DoesNotContain(Host.GetName().Name, references);
    }

    [Fact]
    public void Only_NewJobs_builds_a_NewJob_in_the_host_and_the_application_layer()
    {
        var builders = new[] { Host, Application }
            .SelectMany(assembly => assembly.GetTypes())
            .SelectMany(type => MethodIl.DeclaredMethods(type).SelectMany(method => MethodIl.MemberReferences(type, method)
                .Where(r => r.Code == OpCodes.Newobj && r.Member is ConstructorInfo { DeclaringType: var declaring } && declaring == typeof(NewJob))
                .Select(_ => $"{type.FullName}.{method.Name}")))
            .Distinct()
            .ToList();

        Assert.Equal([$"{typeof(NewJobs).FullName}.{nameof(NewJobs.From)}"], builders);
    }
}
