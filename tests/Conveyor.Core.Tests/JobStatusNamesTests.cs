namespace Conveyor.Core.Tests;

public sealed class JobStatusNamesTests
{
    [Theory]
    [InlineData(JobStatus.Queued, "queued")]
    [InlineData(JobStatus.Running, "running")]
    [InlineData(JobStatus.Succeeded, "succeeded")]
    [InlineData(JobStatus.Failed, "failed")]
    [InlineData(JobStatus.Cancelled, "cancelled")]
    public void Each_status_has_one_lowercase_name_that_parses_back(JobStatus status, string name)
    {
        Assert.Equal(name, status.ToName());
        Assert.True(JobStatusNames.TryParse(name, out var parsed));
        Assert.Equal(status, parsed);
        Assert.Equal(status, JobStatusNames.Parse(name));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Queued")]
    [InlineData("done")]
    [InlineData(" running")]
    public void Anything_else_is_not_a_status(string? name)
    {
        Assert.False(JobStatusNames.TryParse(name, out var status));
        Assert.Equal(default, status);
    }

    [Fact]
    public void Parse_names_the_unknown_status()
    {
        var error = Assert.Throws<FormatException>(() => JobStatusNames.Parse("done"));

        Assert.Equal("Unknown job status 'done'.", error.Message);
    }

    [Fact]
    public void All_lists_the_five_names_in_lifecycle_order()
    {
        Assert.Equal(["queued", "running", "succeeded", "failed", "cancelled"], JobStatusNames.All);
        Assert.Throws<ArgumentOutOfRangeException>(() => ((JobStatus)42).ToName());
    }
}
