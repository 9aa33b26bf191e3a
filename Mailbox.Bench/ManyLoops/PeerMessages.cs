namespace Mailbox.Bench.ManyLoops;

/// <summary>The request the actor subjects answer with 1: one cached instance, so a request allocates no message.</summary>
internal sealed class Ping
{
    /// <summary>The only instance.</summary>
    public static readonly Ping Instance = new();
}

/// <summary>The storm message the actor subjects count on their tallies: one cached instance.</summary>
internal sealed class Tick
{
    /// <summary>The only instance.</summary>
    public static readonly Tick Instance = new();
}
