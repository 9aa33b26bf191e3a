namespace Mailbox;

/// <summary>
/// The loop's timers: a binary heap (<see cref="PriorityQueue{TElement, TPriority}"/>) ordered by due time, FIFO for equal
/// due times. Owned by the loop thread; never locked. Cancellation is lazy: a cancelled entry stays in the heap, counted
/// in <see cref="_dead"/>, until it reaches the top or a purge rebuilds the heap — so cancel is O(1) and schedule/fire are
/// O(log n). A purge runs when dead entries outnumber live ones, which keeps memory within twice the live timers.
/// </summary>
internal sealed class TimerQueue
{
    /// <summary>Below this many dead entries, no purge: rebuilding a small heap costs more than it saves.</summary>
    private const int PurgeFloor = 1024;

    /// <summary>Pending and dead timers, by <see cref="TimerKey"/>.</summary>
    private PriorityQueue<TimerEntry, TimerKey> _heap = new();

    /// <summary>Entries in <see cref="_heap"/> that were cancelled after they went in.</summary>
    private int _dead;

    /// <summary>Scratch list for <see cref="Purge"/>, kept so that a purge allocates nothing once warm.</summary>
    private readonly List<(TimerEntry, TimerKey)> _survivors = [];

    /// <summary>Timers scheduled so far; the FIFO tiebreak.</summary>
    private long _sequence;

    /// <summary>Pending timers (the heap less its dead entries).</summary>
    public int Count => _heap.Count - _dead;

    /// <summary>Adds a timer due at <paramref name="dueTicks"/>.</summary>
    public void Add(TimerEntry entry, long dueTicks) => _heap.Enqueue(entry, new TimerKey(dueTicks, _sequence++));

    /// <summary>Records that an entry already in the heap was cancelled.</summary>
    public void NoteDead()
    {
        _dead++;
        if (_dead > PurgeFloor && _dead > _heap.Count / 2)
        {
            Purge();
        }
    }

    /// <summary>The due time of the earliest pending timer, dropping dead entries on the way.</summary>
    public bool TryPeekDue(out long dueTicks)
    {
        while (_heap.TryPeek(out var entry, out var key))
        {
            if (!entry.IsDead)
            {
                dueTicks = key.DueTicks;
                return true;
            }

            _heap.Dequeue();
            ForgetDead(entry);
        }

        dueTicks = 0;
        return false;
    }

    /// <summary>The sequence number the next timer will get: timers set from now on compare at or above it.</summary>
    public long NextSequence => _sequence;

    /// <summary>
    /// Removes and returns the earliest pending timer if it is due at <paramref name="nowTicks"/> and was set before
    /// <paramref name="sequenceLimit"/>. A timer set while a pass fires (a zero delay in a loop, say) sorts after every
    /// older timer that is due, so stopping at it leaves nothing older behind — and keeps a frozen clock from turning one
    /// pass into an endless one.
    /// </summary>
    public bool TryDequeueDue(long nowTicks, long sequenceLimit, out TimerEntry entry, out long dueTicks)
    {
        if (TryPeekDue(out dueTicks) && dueTicks <= nowTicks && _heap.TryPeek(out _, out var key) && key.Sequence < sequenceLimit)
        {
            entry = _heap.Dequeue();
            return true;
        }

        entry = default;
        return false;
    }

    /// <summary>Removes every pending timer that <paramref name="select"/> picks and returns them; dead entries go too.</summary>
    public List<TimerEntry> RemoveAll(Func<TimerEntry, bool> select)
    {
        var removed = new List<TimerEntry>();
        var kept = new PriorityQueue<TimerEntry, TimerKey>();
        foreach (var (entry, key) in _heap.UnorderedItems)
        {
            if (entry.IsDead)
            {
                ForgetDead(entry, counted: false);
                continue;
            }

            if (select(entry))
            {
                removed.Add(entry);
            }
            else
            {
                kept.Enqueue(entry, key);
            }
        }

        _heap = kept;
        _dead = 0;
        return removed;
    }

    /// <summary>
    /// A dead entry leaves the heap. A handle cancelled from another thread is dead before the loop has counted it
    /// (its TimerCancelled message may still be on the way): clearing <see cref="TimerHandle.InHeap"/> tells that message
    /// there is nothing left to count.
    /// </summary>
    private void ForgetDead(TimerEntry entry, bool counted = true)
    {
        if (entry.Timer is TimerHandle { InHeap: true } handle)
        {
            handle.InHeap = false;
        }
        else if (counted)
        {
            _dead--;
        }
    }

    private void Purge()
    {
        // Rebuild in place: Clear keeps the heap's array, so a burst of cancels does not re-grow a fresh one each time.
        foreach (var (entry, key) in _heap.UnorderedItems)
        {
            if (!entry.IsDead)
            {
                _survivors.Add((entry, key));
            }
            else
            {
                ForgetDead(entry, counted: false);
            }
        }

        _heap.Clear();
        _heap.EnqueueRange(_survivors);
        _survivors.Clear();
        _dead = 0;
    }
}
