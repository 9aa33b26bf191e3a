namespace Mailbox;

/// <summary>
/// The loop-side record of a <see cref="LoopActor.CallLater{TState}"/> timer: its work and its state, reused from the
/// loop's pool so that a timer set on the loop thread allocates nothing in steady state. <see cref="TimerToken"/> names
/// one use of a cell by its generation; a cancel from any thread and the loop's firing race on <see cref="_stamp"/> by
/// CAS, and a token of an earlier use can never match a later one.
/// </summary>
/// <remarks>
/// Every field but <see cref="_stamp"/> is the loop thread's. A cell leaves the pool when a timer is set and goes back once
/// nothing can refer to its use any more: right before its callback runs (the firing has won; a late cancel sees the next
/// generation), or when the loop has counted a cancel out. An entry the timer store still holds for a recycled cell is
/// dead by its sequence number, as a pooled <see cref="DelayTimer"/>'s is.
/// </remarks>
internal sealed class TimerCell
{
    private const long Pending = 0;
    private const long Fired = 1;
    private const long Cancelled = 2;
    private const int StatusBits = 2;
    private const long StatusMask = (1 << StatusBits) - 1;

    /// <summary>Generation in the high bits, Pending/Fired/Cancelled in the low two; CAS from any thread.</summary>
    private long _stamp;

    public TimerCell(LoopActor loop) => Loop = loop;

    /// <summary>The loop whose timer store and pool the cell belongs to.</summary>
    public LoopActor Loop { get; }

    /// <summary>What runs when the timer fires. Loop thread only once set.</summary>
    public Envelope Work { get; set; }

    /// <summary>Whether the store holds this use's entry and a cancel of it has not been counted out. Loop thread only.</summary>
    public bool InQueue { get; set; }

    /// <summary>The sequence number of the store's entry for this use. Loop thread only.</summary>
    public long QueueSequence { get; set; }

    /// <summary>The cell's place in its loop's pool (<see cref="TimerQueue.RentCell"/>); -1 until the pool takes it in. Loop thread only.</summary>
    public int PoolIndex { get; set; } = -1;

    /// <summary>The current use.</summary>
    public long Generation => Volatile.Read(ref _stamp) >> StatusBits;

    /// <summary>Whether the entry queued with <paramref name="sequence"/> no longer stands for a pending timer of the store. Loop thread only.</summary>
    /// <remarks>
    /// Not the status: a cancel made on another thread flips it before the loop has counted the cancel out, and an entry
    /// must be dead only once it is counted (<see cref="TimerQueue.ForgetDead"/> takes every dead cell entry as counted).
    /// A cancelled entry not yet counted is dequeued like a live one, and its firing finds the cancel.
    /// </remarks>
    public bool IsDeadEntry(long sequence) => !InQueue || sequence != QueueSequence;

    /// <summary>Cancels the use <paramref name="generation"/> if it is still pending; any thread.</summary>
    public bool TryCancel(long generation) =>
        Interlocked.CompareExchange(ref _stamp, (generation << StatusBits) | Cancelled, (generation << StatusBits) | Pending)
        == ((generation << StatusBits) | Pending);

    /// <summary>Whether the use <paramref name="generation"/> was cancelled (and not yet recycled).</summary>
    public bool IsCancelled(long generation) => Volatile.Read(ref _stamp) == ((generation << StatusBits) | Cancelled);

    /// <summary>Claims the firing of the current use; false if a cancel won. Loop thread only.</summary>
    public bool TryBeginFire()
    {
        long stamp = Volatile.Read(ref _stamp);
        return (stamp & StatusMask) == Pending && Interlocked.CompareExchange(ref _stamp, stamp | Fired, stamp) == stamp;
    }

    /// <summary>Ends the current use: the next one is a new generation, pending. Loop thread only.</summary>
    public void Recycle()
    {
        Work = default;
        InQueue = false;
        Volatile.Write(ref _stamp, ((Volatile.Read(ref _stamp) >> StatusBits) + 1) << StatusBits);
    }
}
