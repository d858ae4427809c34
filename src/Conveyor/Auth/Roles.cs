namespace Conveyor.Auth;

/// <summary>The four roles, each including the one before: viewer &lt; submitter &lt; operator &lt; admin.</summary>
public static class Roles
{
    public const string Viewer = "viewer";
    public const string Submitter = "submitter";
    public const string Operator = "operator";
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> All = [Viewer, Submitter, Operator, Admin];

    public static bool IsRole(string? role) => Rank(role) >= 0;

    /// <summary>0 for viewer up to 3 for admin; -1 for anything else.</summary>
    /// <remarks>A switch, not a search of <see cref="All"/>: every authorized request asks it.</remarks>
    public static int Rank(string? role) => role switch
    {
        Viewer => 0,
        Submitter => 1,
        Operator => 2,
        Admin => 3,
        _ => -1,
    };
}
