namespace Conveyor.Cli;

/// <summary>What the <c>conveyor</c> executable's exit code says, by class (README, "Exit codes").</summary>
public static class ExitCodes
{
    /// <summary>Done; every job the command followed succeeded.</summary>
    public const int Ok = 0;

    /// <summary>The command ran, but what it reports failed: a followed job failed or was cancelled, the audit chain is broken.</summary>
    public const int Failed = 1;

    /// <summary>The command line was wrong, or the server refused what it sent as invalid (400, 413, 415, 422).</summary>
    public const int Usage = 2;

    /// <summary>No key, a wrong, revoked or expired key (401), or a key whose role may not do this (403).</summary>
    public const int Auth = 3;

    /// <summary>The job, dataset, key or session does not exist (404).</summary>
    public const int NotFound = 4;

    /// <summary>The change does not apply to the thing as it is now (409, 412): cancelling a finished job, retrying a running one.</summary>
    public const int Conflict = 5;

    /// <summary>The server failed (5xx), could not be reached, or asked to slow down (429).</summary>
    public const int Server = 6;

    /// <summary>Ctrl-C stopped the command (following or watching); the jobs on the server go on.</summary>
    public const int Interrupted = 130;

    /// <summary>A setting is invalid; start-up stopped before anything ran (sysexits' EX_CONFIG).</summary>
    public const int BadSetting = 78;
}
