using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Conveyor.Workers.Tests;

/// <summary>The names a user reads in the store and the log: a worker's lease owner and an error's reference.</summary>
public sealed partial class IdentityTests
{
    [GeneratedRegex("^[0-9a-f]{16}$")]
    private static partial Regex SixteenHexDigits();

    [Fact]
    public void A_process_owner_names_the_host_and_the_process_and_differs_between_two_runtimes_of_one_process()
    {
        var first = WorkerIdentity.ForThisProcess().Owner;
        var second = WorkerIdentity.ForThisProcess().Owner;

        var parts = first.Split(':');
        Assert.Equal(3, parts.Length);
        Assert.Equal((Environment.MachineName, Environment.ProcessId.ToString()), (parts[0], parts[1]));
        Assert.Matches("^[0-9a-f]{6}$", parts[2]);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void Without_a_trace_an_error_reference_is_sixteen_random_hex_digits()
    {
        Assert.Null(Activity.Current);

        var references = Enumerable.Range(0, 20).Select(_ => ErrorReference.New()).ToList();

        Assert.All(references, r => Assert.Matches(SixteenHexDigits(), r));
        Assert.Equal(20, references.Distinct().Count());
    }

    [Fact]
    public void Within_a_trace_an_error_reference_is_its_trace_id_so_the_log_lines_of_the_request_can_be_found()
    {
        using var activity = new Activity("upload").SetIdFormat(ActivityIdFormat.W3C).Start();

        Assert.Equal(activity.TraceId.ToHexString(), ErrorReference.New());
        Assert.Equal(32, ErrorReference.New().Length);
    }
}
