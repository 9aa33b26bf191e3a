namespace Mailbox;

/// <summary>Settings of a <see cref="LoopGroup"/>, fixed when it is created.</summary>
public sealed record LoopGroupOptions
{
    /// <summary>How many reader threads the group's loops share; each loop is pinned to one of them for life.</summary>
    public int ThreadCount { get; init; } = Environment.ProcessorCount;

    /// <summary>Most messages (and coroutine steps) one loop runs in a turn before its thread moves on to its next ready loop.</summary>
    public int TurnBudget { get; init; } = 256;

    /// <summary>Whether the group's threads are background threads, so that a forgotten group does not keep the process alive.</summary>
    public bool IsBackground { get; init; } = true;
}
