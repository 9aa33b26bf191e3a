namespace Mailbox;

/// <summary>What the timer queue holds: a <see cref="TimerHandle"/> or a <see cref="DelayTimer"/>, and the delay's generation when it was scheduled (a pooled delay may be reused).</summary>
internal readonly record struct TimerEntry(object Timer, int Generation)
{
    /// <summary>Whether the entry no longer stands for a pending timer (cancelled, or a reused delay). Loop thread only.</summary>
    public bool IsDead => Timer switch
    {
        TimerHandle handle => handle.IsCancelled,
        DelayTimer delay => !delay.IsPending(Generation),
        _ => true,
    };
}
