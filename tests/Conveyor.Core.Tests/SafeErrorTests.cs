namespace Conveyor.Core.Tests;

public sealed class SafeErrorTests
{
    [Fact]
    public void A_stack_trace_is_cut_to_its_message()
    {
        var text = """
            System.InvalidOperationException: The CSV header has no column named 'email'.
               at Conveyor.Ingestion.CsvReader.ReadHeader(Stream stream) in /home/build/src/Conveyor.Ingestion/CsvReader.cs:line 88
               at Conveyor.Workers.JobExecutor.RunAsync(Job job, CancellationToken ct)
               at System.Threading.Tasks.Task.ExecuteWithThreadLocal(Task& currentTaskSlot)
            """;

        var safe = SafeError.Sanitize(text);

        Assert.Equal("System.InvalidOperationException: The CSV header has no column named 'email'.", safe);
    }

    [Fact]
    public void A_stack_trace_with_windows_line_endings_is_cut_too()
    {
        var safe = SafeError.Sanitize("Boom happened.\r\n   at Conveyor.Foo.Bar()\r\n   at Conveyor.Foo.Baz()\r\n");

        Assert.Equal("Boom happened.", safe);
    }

    [Fact]
    public void A_linux_path_is_replaced()
    {
        var safe = SafeError.Sanitize("Could not open /var/lib/conveyor/uploads/0b6f/people.csv for reading.");

        Assert.DoesNotContain("/var/lib", safe);
        Assert.DoesNotContain("people.csv", safe);
        Assert.Equal("Could not open [path] for reading.", safe);
    }

    [Theory]
    [InlineData(@"Could not find file 'C:\Users\alice\AppData\Local\conveyor\people.csv'.", "alice", "Could not find file '[path]")]
    [InlineData(@"Access to the path C:\Program Files\Conveyor\appsettings.Production.json is denied.", "appsettings", "Access to the path [path] is denied.")]
    [InlineData(@"Access to the path D:\data\uploads\secret-payroll.csv is denied.", "payroll", "Access to the path [path] is denied.")]
    [InlineData(@"Could not find C:\secrets.txt anywhere.", "secrets", "Could not find [path] anywhere.")]
    public void A_windows_path_is_replaced(string message, string secretPart, string expected)
    {
        var safe = SafeError.Sanitize(message);

        Assert.DoesNotContain(secretPart, safe);
        Assert.DoesNotContain(@":\", safe);
        Assert.Equal(expected, safe);
    }

    [Fact]
    public void Sql_text_is_replaced()
    {
        var safe = SafeError.Sanitize("Query failed: SELECT id, hash FROM api_keys WHERE prefix = 'cvy_live' AND revoked_at IS NULL");

        Assert.Equal("Query failed: [sql]", safe);
    }

    [Fact]
    public void A_connection_string_keeps_none_of_its_secrets()
    {
        var safe = SafeError.Sanitize(
            "Failed to connect with Host=db.internal;Port=5432;Username=conveyor;Password=hunter2-S3cret;Database=conveyor_prod");

        Assert.DoesNotContain("hunter2", safe);
        Assert.DoesNotContain("S3cret", safe);
        Assert.DoesNotContain("db.internal", safe);
        Assert.DoesNotContain("conveyor_prod", safe);
        Assert.DoesNotContain("Username=conveyor", safe);
        Assert.StartsWith("Failed to connect with ", safe);
        Assert.Contains("[redacted]", safe);
    }

    [Fact]
    public void A_forty_character_token_is_replaced()
    {
        const string token = "cvy_9fK2mQ7xLp3RzT8vWb1NcY6hJd4Gs5Ae0Uo2";
        Assert.Equal(40, token.Length);

        var safe = SafeError.Sanitize($"Upstream refused the request made with {token} (HTTP 401).");

        Assert.DoesNotContain(token, safe);
        Assert.DoesNotContain("9fK2mQ7x", safe);
        Assert.Equal("Upstream refused the request made with [redacted] (HTTP 401).", safe);
    }

    [Fact]
    public void A_bearer_header_loses_its_token()
    {
        var safe = SafeError.Sanitize("401 for Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123456789ABCD");

        Assert.DoesNotContain("abcdefghijklmnop", safe);
        Assert.StartsWith("401 for Authorization", safe);
    }

    [Fact]
    public void Everything_at_once_leaves_a_readable_first_line()
    {
        var text = """
            Loading /srv/conveyor/data/uploads/7f3c/orders.csv into orders failed: INSERT INTO records (dataset, data) VALUES ('orders', '{}')
               at Npgsql.NpgsqlConnector.ReadMessage() in C:\build\npgsql\src\Npgsql\NpgsqlConnector.cs:line 1102
            """;

        var safe = SafeError.Sanitize(text);

        Assert.Equal("Loading [path] into orders failed: [sql]", safe);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   \n  ")]
    [InlineData("   at Conveyor.Foo.Bar()")]
    public void Nothing_left_to_show_gives_the_generic_message(string? message)
    {
        Assert.Equal(SafeError.Generic, SafeError.Sanitize(message));
    }

    [Fact]
    public void A_long_message_is_capped()
    {
        var safe = SafeError.Sanitize(string.Join(' ', Enumerable.Repeat("word", 400)));

        Assert.Equal(SafeError.MaxLength + 1, safe.Length);
        Assert.EndsWith("…", safe);
    }

    [Fact]
    public void Control_characters_are_removed()
    {
        var safe = SafeError.Sanitize("Row 3\u0007 is bad\u001b[31m");

        Assert.Equal("Row 3 is bad[31m", safe);
        Assert.DoesNotContain(safe, char.IsControl);
    }

    [Fact]
    public void A_plain_message_passes_unchanged()
    {
        Assert.Equal("Row 12: the date '2024-13-01' is not valid.", SafeError.Sanitize("Row 12: the date '2024-13-01' is not valid."));
    }

    [Theory]
    [InlineData("\nDisk full on /data/x.csv", "Disk full on [path]")]
    [InlineData("  \r\n\t\nDisk full", "Disk full")]
    [InlineData("\n   at Conveyor.Foo.Bar()\nDisk full", "Disk full")]
    public void A_message_whose_first_lines_are_blank_shows_its_first_written_line(string message, string expected)
    {
        Assert.Equal(expected, SafeError.Sanitize(message));
    }

    [Fact]
    public void A_message_of_exactly_the_limit_is_kept_whole()
    {
        var message = string.Concat(Enumerable.Repeat("abcd ", SafeError.MaxLength / 5)).TrimEnd() + "x";
        Assert.Equal(SafeError.MaxLength, message.Length);

        Assert.Equal(message, SafeError.Sanitize(message));
        Assert.Equal(message[..SafeError.MaxLength] + "…", SafeError.Sanitize(message + "y"));
    }
}
