namespace Mailbox;

/// <summary>How <see cref="LoopActor.StopAsync"/> treats the work that was accepted before the stop.</summary>
public enum StopMode
{
    /// <summary>Run every accepted message and let started coroutines finish; cancel timers that are not yet due.</summary>
    Drain = 0,

    /// <summary>Run nothing more from the mailbox: discard queued messages, cancel live coroutines and all timers.</summary>
    Immediate = 1,
}
