namespace Conveyor.Api.V1.Sessions;

/// <summary>Where sessions live in the canonical API.</summary>
public static class SessionLinks
{
    public const string Base = "/api/v1/sessions";
}
