namespace Mailbox;

/// <summary>
/// A timer set with <see cref="LoopActor.CallLater"/>, <see cref="LoopActor.CallAt"/> or <see cref="LoopActor.CallEvery"/>.
/// Its callback runs on the loop thread. <see cref="Cancel"/> may be called from any thread: the handle's state is the
/// single arbiter between a cancel and a firing, so each timer either fires or is cancelled, never both.
/// </summary>
public sealed class TimerHandle
{
    private const int Pending = 0;
    private const int Fired = 1;
    private const int Cancelled = 2;

    /// <summary>Pending, Fired (one-shot only) or Cancelled; changed by CAS from any thread.</summary>
    private int _state;

    /// <summary>Set on the loop thread at the first firing; read from any thread.</summary>
    private volatile bool _hasFired;

    // The due time is not kept here: it travels with the handle to the loop (in the call, or in the ScheduleTimer
    // message) and lives in the timer queue's key. Without it a handle is 48 bytes, not 56 — one per timer set.
    internal TimerHandle(LoopActor loop, Action callback, long periodTicks)
    {
        Loop = loop;
        Callback = callback;
        PeriodTicks = periodTicks;
    }

    /// <summary>Whether a cancel (by <see cref="Cancel"/> or by a stop) stopped this timer before it fired (or, for a periodic timer, while it repeated).</summary>
    public bool IsCancelled => Volatile.Read(ref _state) == Cancelled;

    /// <summary>Whether the callback has been called at least once.</summary>
    public bool HasFired => _hasFired;

    /// <summary>The loop the timer belongs to.</summary>
    internal LoopActor Loop { get; }

    /// <summary>The user's callback.</summary>
    internal Action Callback { get; }

    /// <summary>The period of a <see cref="LoopActor.CallEvery"/> timer; zero for a one-shot timer.</summary>
    internal long PeriodTicks { get; }

    /// <summary>Whether the entry is in the loop's timer queue (so a cancel must be counted there). Loop thread only.</summary>
    internal bool InQueue { get; set; }

    /// <summary>
    /// Stops the timer. True only if this call stopped a timer that had not yet fired (for <see cref="LoopActor.CallEvery"/>:
    /// one that was still repeating); false after a one-shot timer fired, after a stop cancelled it, and the second time.
    /// Any thread; it never waits for a callback that is running.
    /// </summary>
    /// <returns>Whether this call cancelled the timer.</returns>
    public bool Cancel()
    {
        if (Interlocked.CompareExchange(ref _state, Cancelled, Pending) != Pending)
        {
            return false;
        }

        Loop.OnTimerCancelled(this);
        return true;
    }

    /// <summary>Claims a one-shot firing (false if a cancel won), or, for a periodic timer, checks it still repeats. Loop thread only.</summary>
    internal bool TryBeginFire()
    {
        bool claimed = PeriodTicks == 0
            ? Interlocked.CompareExchange(ref _state, Fired, Pending) == Pending
            : Volatile.Read(ref _state) == Pending;
        if (claimed)
        {
            _hasFired = true;
        }

        return claimed;
    }

    /// <summary>Cancels on behalf of a stop; true if the timer was still pending. Loop thread only.</summary>
    internal bool CancelForStop() => Interlocked.CompareExchange(ref _state, Cancelled, Pending) == Pending;
}
