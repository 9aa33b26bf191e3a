namespace Mailbox;

/// <summary>
/// The loop's timers, ordered by due time, FIFO for equal due times. Owned by the loop thread; never locked.
/// </summary>
/// <remarks>
/// Three stores, merged at the front by (due time, scheduling order). Timers are mostly set in due order — the same timeout
/// again and again on a clock that only moves forward, a schedule laid out from now on — so a timer due at or after the
/// last one in <see cref="_run"/> is appended to it: a FIFO that is sorted by construction, O(1) to add and to take, read
/// front to back. Any other timer goes into the binary heap (<see cref="PriorityQueue{TElement, TPriority}"/>) while the
/// heap is small, and into the <see cref="TimerWheel"/> once the heap has reached <see cref="WheelAt"/> entries: the heap
/// is the smaller store for a loop with a few timers (a wheel level alone is about 6 KB), the wheel the faster one for many
/// (O(1) to add, a sort of one small slot to take, where each heap removal walks the heap's height through an array that
/// no longer fits in a cache). With a wheel, the heap keeps only timers due before the wheel's time (a short delay set
/// after the wheel opened the slot it falls in, a <c>CallAt</c> of a past moment, a wall clock set back), which are
/// earlier than everything in the wheel's slots; the wheel's opened slot (its bottom) is the third front. Measured:
/// benchmarks.md, "the timer store, second pass".
/// Cancellation is lazy in all three: a cancelled entry stays, counted in <see cref="_dead"/>, until it reaches a front or
/// a purge rebuilds the stores — so cancel is O(1). A purge runs when dead entries outnumber live ones, which keeps memory
/// within twice the live timers.
/// </remarks>
internal sealed class TimerQueue
{
    /// <summary>Below this many dead entries, no purge: rebuilding a small queue costs more than it saves.</summary>
    private const int PurgeFloor = 1024;

    /// <summary>How far down the free cells a rent prefetches.</summary>
    private const int CellPrefetchDistance = 8;

    /// <summary>Heap entries at which out-of-order timers move to a wheel, for good: below it the heap is small and fast.</summary>
    internal const int WheelAt = 256;

    /// <summary>Timers set in due order, sorted by construction (each key at or after the one before it).</summary>
    private readonly TimerRun _run = new();

    /// <summary>Timers due before the run's last one when they were set (with a wheel: due before the wheel's time).</summary>
    private readonly PriorityQueue<TimerEntry, TimerKey> _heap = new();

    /// <summary>Scratch list for <see cref="Purge"/>, kept so that a purge allocates nothing once warm.</summary>
    private readonly List<(TimerEntry, TimerKey)> _survivors = [];

    /// <summary>The out-of-order timers once there are many; null until then.</summary>
    private TimerWheel? _wheel;

    /// <summary>The latest clock a pass fired at: a new wheel starts there, so that timers set from now on fit in it.</summary>
    private long _lastNow = long.MinValue;

    /// <summary>See <see cref="LastReading"/>.</summary>
    private long _lastReading = long.MinValue;

    /// <summary>The due time of the run's last entry; meaningful while the run is not empty.</summary>
    private long _runTailDue;

    /// <summary>Entries in either store that were cancelled after they went in.</summary>
    private int _dead;

    /// <summary>Timers scheduled so far; the FIFO tiebreak.</summary>
    private long _sequence;

    /// <summary>
    /// Every cell of a <see cref="LoopActor.CallLater{TState}"/> timer the pool has taken in, in use or free, at its
    /// <see cref="TimerCell.PoolIndex"/>; <see cref="_free"/> says which are free. A rent takes the lowest free index.
    /// </summary>
    private TimerCell[] _pool = [];

    /// <summary>Cells taken in: <c>[0, _pooled)</c> of <see cref="_pool"/>.</summary>
    private int _pooled;

    /// <summary>The indices of the free cells.</summary>
    private readonly FreeCellSet _free = new();

    /// <summary>Most cells the pool keeps: the most timers ever pending at once (at least 256), so a steady population never allocates.</summary>
    private int _cellLimit = WheelAt;

    /// <summary>Pending timers (all three stores less their dead entries).</summary>
    public int Count => _run.Count + _heap.Count + (_wheel?.Count ?? 0) - _dead;

    /// <summary>The sequence number the next timer will get: timers set from now on compare at or above it.</summary>
    public long NextSequence => _sequence;

    /// <summary>
    /// The clock's most recent reading that the loop noted (<see cref="long.MinValue"/> before the first): the latest,
    /// not the largest, so that a wall clock set back is believed at once.
    /// </summary>
    public long LastReading => _lastReading;

    /// <summary>Notes a clock reading the loop took: for a pass, or for a timer it set (a zero delay: due at that reading).</summary>
    public void NoteReading(long nowTicks) => _lastReading = nowTicks;

    /// <summary>Adds a timer due at <paramref name="dueTicks"/>: to the run if it sorts after the run's last entry, else to the heap or the wheel.</summary>
    /// <returns>The entry's sequence number, unique to it.</returns>
    public long Add(TimerEntry entry, long dueTicks)
    {
        var key = new TimerKey(dueTicks, _sequence++);
        if (_run.Count == 0 || dueTicks >= _runTailDue)
        {
            // A later sequence number breaks a tie in due time, so an equal due time still sorts after the tail.
            _run.Enqueue(entry, key);
            _runTailDue = dueTicks;
        }
        else if (_wheel is not null && dueTicks >= _wheel.Elapsed)
        {
            _wheel.Add(entry, key);
        }
        else
        {
            _heap.Enqueue(entry, key);
            if (_wheel is null && _heap.Count >= WheelAt)
            {
                MoveHeapToWheel();
            }
        }

        return key.Sequence;
    }

    /// <summary>The free cell the pool made earliest, or a new one (taken in) when none is free.</summary>
    public TimerCell RentCell(LoopActor loop)
    {
        int index = _free.TakeLowest();
        if (index < 0)
        {
            // Every cell taken in is in use, so the pool stays within the most timers ever pending (plus this one).
            var fresh = new TimerCell(loop);
            TakeIn(fresh);
            return fresh;
        }

        if (index + CellPrefetchDistance < _pooled)
        {
            // The timers set after this one are likely to take the cells next in line: their misses overlap.
            CachePrefetch.Object(_pool[index + CellPrefetchDistance]);
        }

        return _pool[index];
    }

    /// <summary>Makes a recycled cell free for the next state timer; one made on another thread is taken in while the pool is within the most timers ever pending at once.</summary>
    public void ReturnCell(TimerCell cell)
    {
        _cellLimit = Math.Max(_cellLimit, Count + 1); // this cell's timer is no longer counted
        if (cell.PoolIndex < 0)
        {
            if (_pooled >= _cellLimit)
            {
                return;
            }

            TakeIn(cell);
        }

        _free.Add(cell.PoolIndex);
    }

    /// <summary>Gives <paramref name="cell"/> the next index of the pool.</summary>
    private void TakeIn(TimerCell cell)
    {
        if (_pooled == _pool.Length)
        {
            Array.Resize(ref _pool, Math.Max(2 * _pool.Length, 16));
        }

        cell.PoolIndex = _pooled;
        _pool[_pooled++] = cell;
    }

    /// <summary>Records that an entry already in a store was cancelled.</summary>
    public void NoteDead()
    {
        _dead++;
        if (_dead > PurgeFloor && _dead > (_run.Count + _heap.Count + (_wheel?.Count ?? 0)) / 2)
        {
            Purge();
        }
    }

    /// <summary>The due time of the earliest pending timer, exactly (for queries: with a wheel, it may scan one slot); dead entries at the fronts are dropped.</summary>
    public bool TryPeekDue(out long dueTicks)
    {
        bool found = PeekFronts(out var key) != Front.None;
        if (_wheel is not null && _wheel.TryPeekExact(out var wheelKey) && (!found || wheelKey.CompareTo(key) < 0))
        {
            key = wheelKey;
            found = true;
        }

        dueTicks = found ? key.DueTicks : 0;
        return found;
    }

    /// <summary>
    /// A time at or before the earliest pending timer's due time, at no cost: what the loop arms its wake-up for. Exact
    /// but for a wheel whose earliest entries are still in a slot: then the slot's start, and the wake-up at that time
    /// opens or cascades the slot and arms again for what it holds (at most once per level).
    /// </summary>
    public bool TryPeekWakeDue(out long dueTicks)
    {
        bool found = PeekFronts(out var key) != Front.None;
        dueTicks = found ? key.DueTicks : 0;
        if (_wheel is not null && _wheel.TryPeekLowerBound(out long bound) && (!found || bound < dueTicks))
        {
            dueTicks = bound;
            found = true;
        }

        return found;
    }

    /// <summary>
    /// Removes and returns the earliest pending timer if it is due at <paramref name="nowTicks"/> and was set before
    /// <paramref name="sequenceLimit"/>. A timer set while a pass fires (a zero delay in a loop, say) sorts after every
    /// older timer that is due, so stopping at it leaves nothing older behind — and keeps a frozen clock from turning one
    /// pass into an endless one.
    /// </summary>
    public bool TryDequeueDue(long nowTicks, long sequenceLimit, out TimerEntry entry, out long dueTicks)
    {
        if (nowTicks > _lastNow)
        {
            _lastNow = nowTicks;
        }

        // The wheel's earliest slot opens (or cascades, until a lowest-level slot opens) only once the clock has reached it
        // and no front is earlier: then the bottom holds one slot, not every timer due. A front due at the slot's very
        // start may tie with a wheel entry scheduled before it, so a tie opens the slot too.
        var front = PeekFronts(out var key);
        while (_wheel is not null && _wheel.TryPeekSlotStart(out long start) && start <= nowTicks && (front == Front.None || start <= key.DueTicks))
        {
            _wheel.OpenEarliest();
            front = PeekFronts(out key);
        }

        if (front != Front.None && key.DueTicks <= nowTicks && key.Sequence < sequenceLimit)
        {
            entry = front switch
            {
                Front.Run => _run.Dequeue().Entry,
                Front.Heap => _heap.Dequeue(),
                _ => _wheel!.TakeBottom(),
            };
            dueTicks = key.DueTicks;
            return true;
        }

        entry = default;
        dueTicks = 0;
        return false;
    }

    /// <summary>Removes every pending timer that <paramref name="select"/> picks and returns them; dead entries go too.</summary>
    public List<TimerEntry> RemoveAll(Func<TimerEntry, bool> select)
    {
        var removed = new List<TimerEntry>();
        Rebuild(entry =>
        {
            if (!select(entry))
            {
                return true;
            }

            removed.Add(entry);
            return false;
        });
        return removed;
    }

    /// <summary>The earliest live entry at the run's, the heap's and the wheel's bottom's fronts, and which holds it; dead entries at the fronts are dropped first.</summary>
    private Front PeekFronts(out TimerKey key)
    {
        while (_run.TryPeek(out var head) && head.Entry.IsDead(head.Key.Sequence))
        {
            _run.Dequeue();
            ForgetDead(head.Entry);
        }

        // The heap is empty for a loop whose timers come in due order (a Delay(Zero) step, say): its Count is a field
        // read, its TryPeek a call.
        while (_heap.Count != 0 && _heap.TryPeek(out var top, out var topKey) && top.IsDead(topKey.Sequence))
        {
            _heap.Dequeue();
            ForgetDead(top);
        }

        var front = Front.None;
        key = default;
        if (_run.TryPeek(out var first))
        {
            key = first.Key;
            front = Front.Run;
        }

        if (_heap.Count != 0 && _heap.TryPeek(out _, out var heapKey) && (front == Front.None || heapKey.CompareTo(key) < 0))
        {
            key = heapKey;
            front = Front.Heap;
        }

        if (_wheel is not null && _wheel.TryPeekBottom(out var bottomKey) && (front == Front.None || bottomKey.CompareTo(key) < 0))
        {
            key = bottomKey;
            front = Front.Bottom;
        }

        return front;
    }

    /// <summary>
    /// A dead entry leaves a store. A handle cancelled from another thread is dead before the loop has counted it
    /// (its TimerCancelled message may still be on the way): clearing <see cref="TimerHandle.InQueue"/> tells that message
    /// there is nothing left to count.
    /// </summary>
    internal void ForgetDead(TimerEntry entry, bool counted = true)
    {
        if (entry.Timer is TimerHandle { InQueue: true } handle)
        {
            handle.InQueue = false;
        }
        else if (counted)
        {
            _dead--;
        }
    }

    private void Purge() => Rebuild(static _ => true);

    /// <summary>
    /// Keeps the live entries that <paramref name="keep"/> accepts, in place: the run is rotated once through itself (its
    /// order kept), the heap cleared and refilled (Clear keeps its array, so a burst of cancels does not re-grow a fresh
    /// one each time). Dead entries go without being counted again: <see cref="_dead"/> starts over at zero.
    /// </summary>
    private void Rebuild(Func<TimerEntry, bool> keep)
    {
        for (int i = _run.Count; i > 0; i--)
        {
            var item = _run.Dequeue();
            if (item.Entry.IsDead(item.Key.Sequence))
            {
                ForgetDead(item.Entry, counted: false);
            }
            else if (keep(item.Entry))
            {
                _run.Enqueue(item.Entry, item.Key);
            }
        }

        foreach (var (entry, key) in _heap.UnorderedItems)
        {
            if (entry.IsDead(key.Sequence))
            {
                ForgetDead(entry, counted: false);
            }
            else if (keep(entry))
            {
                _survivors.Add((entry, key));
            }
        }

        _heap.Clear();
        _heap.EnqueueRange(_survivors);
        _survivors.Clear();
        _wheel?.Rebuild(keep);
        _dead = 0;
    }

    /// <summary>
    /// Creates the wheel and moves the heap into it, in (due, sequence) order so that equal due times keep theirs. The
    /// wheel's time starts at the clock of the last pass (or the earliest due time, before any pass), never after a timer
    /// it takes: a heap timer due earlier than that stays in the heap.
    /// </summary>
    private void MoveHeapToWheel()
    {
        _heap.TryPeek(out _, out var first);
        long start = Math.Min(_lastNow == long.MinValue ? first.DueTicks : _lastNow, first.DueTicks);
        _wheel = new TimerWheel(this, start); // due times and clock readings are UtcTicks, never negative
        while (_heap.TryDequeue(out var entry, out var key))
        {
            if (entry.IsDead(key.Sequence))
            {
                ForgetDead(entry);
            }
            else
            {
                _wheel.Add(entry, key);
            }
        }
    }

    /// <summary>Where the earliest live entry is.</summary>
    private enum Front
    {
        None,
        Run,
        Heap,
        Bottom,
    }
}
