namespace Mailbox;

/// <summary>
/// A loop's entry in its thread's <see cref="LoopClock"/>: one small object per loop with timers, reused for every
/// registration, so the clock's heap refers to the loop only through it and a finished loop clears it.
/// </summary>
internal sealed class ClockEntry(LoopActor loop)
{
    /// <summary>The loop; null once it has finished. Its thread only.</summary>
    public LoopActor? Loop { get; set; } = loop;
}
