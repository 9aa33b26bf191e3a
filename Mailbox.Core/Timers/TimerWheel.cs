using System.Diagnostics;
using System.Numerics;

namespace Mailbox;

/// <summary>
/// A hierarchical timing wheel over the loop clock's exact ticks: levels of 256 slots, the lowest level's slots
/// <see cref="BottomWidth"/> ticks wide and each level's 256 times the one below, so the whole non-negative tick range is
/// covered and no timer ever waits in an overflow list; plus the <i>bottom</i>, the one lowest-level slot the clock has
/// reached, sorted. Owned by the loop thread (through its <see cref="TimerQueue"/>); never locked.
/// </summary>
/// <remarks>
/// <para>
/// <b>Where a timer goes.</b> A timer due at <c>d</c> sits at the level of the highest base-256 digit in which
/// <c>d / BottomWidth</c> differs from <c>Elapsed / BottomWidth</c>, in the slot named by that digit of <c>d</c> (Varghese
/// and Lauck's scheme, placed the way Tokio places it). So every timer of level <c>k</c> is due inside the current
/// level-<c>k+1</c> block, in a later level-<c>k</c> slot than <see cref="Elapsed"/>'s: a lower level holds only earlier
/// timers than a higher one, and inside a level the slots are in due order with no wrap-around. The earliest slot is the
/// lowest occupied one of the lowest occupied level: a few trailing-zero counts on occupancy bitmaps, whatever is pending.
/// </para>
/// <para>
/// <b>Exact, unlike the published wheels.</b> Tokio and Kafka round due times to their tick (1 ms) and do not keep equal
/// due times in order. Here nothing is rounded: a slot is a bucket of entries with their exact keys (due tick, scheduling
/// order). When the clock reaches a lowest-level slot, the wheel <i>opens</i> it: its entries are sorted by key into the
/// bottom, which is then read front to back, and <see cref="Elapsed"/> moves to the slot's end. So order, FIFO for equal
/// due times included, is the keys' order, exactly. A timer set later that is due before <see cref="Elapsed"/> (a short
/// delay after an opening, a <c>CallAt</c> of a past moment, a wall clock set back) does not fit in the wheel; the owner
/// keeps it in its heap and merges the fronts by key.
/// </para>
/// <para>
/// <b>Why these widths</b> (measured: benchmarks.md, "the timer store, second pass"). With 64 one-tick slots per level,
/// a million timers over 100 ms went down three levels each and then sat one to a slot at the bottom, each paying a slot
/// of its own (a chunk rented, peeked, handed back). A lowest slot of <see cref="BottomWidth"/> ticks holds about a thousand of them
/// there, sorted in one go in the first-level cache and then read in order; 256 slots a level put delays up to 26 ms on
/// the lowest level and up to 6.7 s one level above, so a 100-ms timer cascades once. Opening a slot costs a sort of what
/// it holds, which is why it waits until the clock reaches the slot and nothing the owner holds is earlier.
/// </para>
/// <para>
/// <b>Moving time.</b> <see cref="Elapsed"/> only moves forward: to a slot's start when the slot cascades, to its end when
/// it opens — never past the start of another occupied slot (it is always the lowest). An opening may move it onto the
/// start of the next block of a higher level, whose occupied slot was filled against the old time; that slot cascades at
/// once (<see cref="EnterBlock"/>), so every entry sits where its key and <see cref="Elapsed"/> place it, and a timer set
/// later never lands below older ones of its range. A jump of hours costs one cascade per occupied slot on the way down, not
/// one step per tick or per slot passed: empty slots and levels are skipped by the bitmaps.
/// </para>
/// <para>
/// A slot is a list of chunks of 16 entries, appended at the tail; emptied chunks go to a free list that every slot draws
/// from, so the store holds about what its peak population needs (not a grown array per slot ever used: as the clock
/// moves, a level's timers land in ever new slots), and a loop with a steady population of timers stops allocating for
/// its store. A level is created with its first timer (256 slots, about 6 KB), which is why a loop starts with the
/// owner's plain heap and moves to a wheel only once it holds many timers.
/// </para>
/// </remarks>
internal sealed class TimerWheel
{
    private const int SlotBits = 8;
    private const int SlotCount = 1 << SlotBits;
    private const int SlotMask = SlotCount - 1;

    /// <summary>Log2 of <see cref="BottomWidth"/>.</summary>
    private const int BottomBits = 10;

    /// <summary>Ticks per lowest-level slot: 102.4 µs of a <see cref="DateTimeOffset"/> clock.</summary>
    internal const long BottomWidth = 1L << BottomBits;

    /// <summary>Entries per chunk of a slot: 384 bytes, few enough that a loop with a few hundred timers spread over many slots stays small.</summary>
    private const int ChunkSize = 16;

    /// <summary>Enough levels for every tick of a <see cref="DateTimeOffset"/> (under 2^62): 10 + 8 × 7 = 66 bits.</summary>
    private const int LevelCount = 7;

    /// <summary>What the wheel reports dead entries to, so that they are counted out once.</summary>
    private readonly TimerQueue _owner;

    /// <summary>The levels, created with their first timer.</summary>
    private readonly Level?[] _levels = new Level?[LevelCount];

    /// <summary>Bit <c>k</c> set while level <c>k</c> holds an entry.</summary>
    private int _occupiedLevels;

    /// <summary>Emptied chunks, linked through <see cref="Chunk.Next"/>, for the next slots to fill.</summary>
    private Chunk? _free;

    /// <summary>The opened slot's keys, sorted, from <see cref="_bottomHead"/> to <see cref="_bottomEnd"/>; the array grows to the fullest slot opened.</summary>
    private TimerKey[] _bottomKeys = [];

    /// <summary>The entries of <see cref="_bottomKeys"/>, index for index.</summary>
    private TimerEntry[] _bottomEntries = [];

    /// <summary>Where <see cref="SortBottom"/> scatters a slot; swapped with the bottom's arrays after each sort.</summary>
    private TimerKey[] _sortKeys = [];

    /// <summary>The entries of <see cref="_sortKeys"/>; empty between sorts.</summary>
    private TimerEntry[] _sortEntries = [];

    private int _bottomHead;

    private int _bottomEnd;

    public TimerWheel(TimerQueue owner, long elapsed)
    {
        _owner = owner;
        Elapsed = elapsed;
    }

    /// <summary>Every entry in a slot of the wheel is due at or after this tick, every entry of the bottom before it; it moves forward only.</summary>
    public long Elapsed { get; private set; }

    /// <summary>Entries held, the bottom's included, dead ones not yet dropped included.</summary>
    public int Count { get; private set; }

    /// <summary>Adds an entry due at or after <see cref="Elapsed"/>, behind every entry of the same due time.</summary>
    public void Add(TimerEntry entry, TimerKey key)
    {
        Debug.Assert(key.DueTicks >= Elapsed, "a timer due before the wheel's time belongs to the owner's heap");
        int level = LevelOf(key.DueTicks);
        var lv = _levels[level] ??= new Level(this);
        lv.Append(SlotOf(key.DueTicks, level), entry, key);
        _occupiedLevels |= 1 << level;
        Count++;
    }

    /// <summary>The bottom's front live key; dead entries before it are dropped (and reported to the owner).</summary>
    /// <returns>False if the bottom holds nothing live.</returns>
    public bool TryPeekBottom(out TimerKey key)
    {
        while (_bottomHead < _bottomEnd)
        {
            var front = _bottomEntries[_bottomHead];
            if (!front.IsDead(_bottomKeys[_bottomHead].Sequence))
            {
                key = _bottomKeys[_bottomHead];
                return true;
            }

            _bottomEntries[_bottomHead++] = default;
            Count--;
            _owner.ForgetDead(front);
        }

        key = default;
        return false;
    }

    /// <summary>Takes the bottom's front entry, which <see cref="TryPeekBottom"/> just reported.</summary>
    public TimerEntry TakeBottom()
    {
        var entry = _bottomEntries[_bottomHead];
        _bottomEntries[_bottomHead++] = default;
        Count--;
        PrefetchAhead(_bottomHead + PrefetchDistance);
        return entry;
    }

    /// <summary>How many entries ahead of the bottom's front the timers are prefetched: enough for the loads to overlap, few enough to stay in cache.</summary>
    private const int PrefetchDistance = 8;

    /// <summary>Entries from which an opened slot is sorted by counting: below, the counts' 4 KB cost more than comparing.</summary>
    private const int CountingSortFrom = 128;

    /// <summary>Starts loading the timer of the bottom's entry <paramref name="at"/>, if there is one: the store reads every timer it hands out (is it dead?), and the loop then fires it.</summary>
    private void PrefetchAhead(int at)
    {
        if (at < _bottomEnd)
        {
            CachePrefetch.Object(_bottomEntries[at].Timer);
        }
    }

    /// <summary>The start of the earliest occupied slot: every entry outside the bottom is due at or after it.</summary>
    /// <returns>False if no slot holds an entry.</returns>
    public bool TryPeekSlotStart(out long start)
    {
        if (_occupiedLevels == 0)
        {
            start = 0;
            return false;
        }

        int level = BitOperations.TrailingZeroCount(_occupiedLevels);
        start = SlotStart(level, _levels[level]!.FirstOccupied);
        return true;
    }

    /// <summary>
    /// Empties the earliest occupied slot: a lowest-level one opens (its entries, sorted, become the bottom; the wheel's
    /// time moves to the slot's end), a higher one cascades (its entries go to lower levels; the time moves to the slot's
    /// start). For the owner once the clock has reached <see cref="TryPeekSlotStart"/> and nothing it holds is earlier —
    /// which means the bottom is empty, since all of it is due before any slot.
    /// </summary>
    public void OpenEarliest()
    {
        Debug.Assert(_occupiedLevels != 0, "no slot to open");
        int level = BitOperations.TrailingZeroCount(_occupiedLevels);
        var lv = _levels[level]!;
        int slot = lv.FirstOccupied;
        long start = SlotStart(level, slot);
        Debug.Assert(level == 0 || start >= Elapsed, "a higher slot never starts before the wheel's time");
        ClearSlot(lv, level, slot);
        if (level > 0)
        {
            Elapsed = start;
            lv.Drain(slot, this);
            return;
        }

        Debug.Assert(_bottomHead == _bottomEnd, "the bottom is read to its end before the next slot opens");
        Elapsed = start + BottomWidth;
        _bottomHead = 0;
        _bottomEnd = lv.MoveTo(slot, ref _bottomKeys, ref _bottomEntries);
        EnterBlock(); // after the slot is out: a cascade into the new block may land in a lowest slot of the same number

        SortBottom(start);
        for (int i = 0; i < PrefetchDistance; i++)
        {
            PrefetchAhead(i);
        }
    }

    /// <summary>
    /// Sorts the opened slot into due order, FIFO for equal due times. A slot holds due times from <paramref name="start"/>
    /// to <see cref="BottomWidth"/> ticks after it, so a full one is sorted by counting: two passes and a scatter, in
    /// cache. That sort is stable, and a slot's entries of one due time arrive in scheduling order — those cascaded from
    /// above were all set before the clock entered the slot's block, the ones added to it directly after, and a cascade,
    /// the heap's move to the wheel (in key order) and a purge keep the order they find — so equal due times stay FIFO.
    /// A few entries are cheaper to sort by comparing whole keys.
    /// </summary>
    private void SortBottom(long start)
    {
        int n = _bottomEnd;
        if (n < CountingSortFrom)
        {
            _bottomKeys.AsSpan(0, n).Sort(_bottomEntries.AsSpan(0, n));
            return;
        }

        if (_sortKeys.Length < n)
        {
            _sortKeys = new TimerKey[_bottomKeys.Length];
            _sortEntries = new TimerEntry[_bottomKeys.Length];
        }

        Span<int> next = stackalloc int[(int)BottomWidth];
        next.Clear();
        TimerKey[] keys = _bottomKeys;
        for (int i = 0; i < n; i++)
        {
            next[(int)(keys[i].DueTicks - start)]++;
        }

        int at = 0;
        for (int d = 0; d < next.Length; d++)
        {
            (next[d], at) = (at, at + next[d]);
        }

        TimerEntry[] entries = _bottomEntries;
        TimerKey[] sortedKeys = _sortKeys;
        TimerEntry[] sortedEntries = _sortEntries;
        for (int i = 0; i < n; i++)
        {
            int to = next[(int)(keys[i].DueTicks - start)]++;
            sortedKeys[to] = keys[i];
            sortedEntries[to] = entries[i];
        }

        Array.Clear(entries, 0, n); // the bottom's old array becomes the scratch: it must not keep timers alive
        (_bottomKeys, _sortKeys) = (sortedKeys, keys);
        (_bottomEntries, _sortEntries) = (sortedEntries, entries);
        AssertSorted(sortedKeys.AsSpan(0, n));
    }

    /// <summary>Checks, in debug builds, that the bottom is in key order: equal due times in scheduling order.</summary>
    [Conditional("DEBUG")]
    private static void AssertSorted(ReadOnlySpan<TimerKey> keys)
    {
        for (int i = 1; i < keys.Length; i++)
        {
            Debug.Assert(keys[i - 1].CompareTo(keys[i]) < 0, "an opened slot's entries of one due time arrive in scheduling order");
        }
    }

    /// <summary>
    /// After an opening moved the time to the start of a new higher-level block, cascades the slots whose range now holds
    /// the time, highest first: their entries were placed against the old time and belong lower now (a timer set from now
    /// on in that range goes to a lower level, and would otherwise be found before older ones of the same range).
    /// </summary>
    private void EnterBlock()
    {
        if ((Elapsed & ((BottomWidth << SlotBits) - 1)) != 0)
        {
            return; // still inside the block it was in
        }

        for (int level = LevelCount - 1; level > 0; level--)
        {
            if ((_occupiedLevels & (1 << level)) == 0)
            {
                continue;
            }

            var lv = _levels[level]!;
            int slot = lv.FirstOccupied;
            if (SlotStart(level, slot) <= Elapsed)
            {
                ClearSlot(lv, level, slot);
                lv.Drain(slot, this);
            }
        }
    }

    /// <summary>A time at or before every entry's due time, without moving anything: for arming a wake-up.</summary>
    public bool TryPeekLowerBound(out long dueTicks)
    {
        if (_bottomHead < _bottomEnd)
        {
            dueTicks = _bottomKeys[_bottomHead].DueTicks; // a dead front only makes the bound earlier
            return true;
        }

        if (_occupiedLevels == 0)
        {
            dueTicks = 0;
            return false;
        }

        // A lowest-level slot: its earliest key, dead entries included (telling would read their timers), so that a loop on
        // a real clock wakes once for its next timer, not first at the slot's start to open it and then again.
        int level = BitOperations.TrailingZeroCount(_occupiedLevels);
        var lv = _levels[level]!;
        int slot = lv.FirstOccupied;
        dueTicks = level == 0 ? lv.EarliestDue(slot) : SlotStart(level, slot);
        return true;
    }

    /// <summary>The earliest live entry's key, found without moving anything: a scan of one slot at most (for queries, not for firing).</summary>
    public bool TryPeekExact(out TimerKey key)
    {
        for (int i = _bottomHead; i < _bottomEnd; i++)
        {
            if (!_bottomEntries[i].IsDead(_bottomKeys[i].Sequence))
            {
                key = _bottomKeys[i];
                return true;
            }
        }

        for (int levels = _occupiedLevels; levels != 0; levels &= levels - 1)
        {
            var lv = _levels[BitOperations.TrailingZeroCount(levels)]!;
            for (int slot = lv.FirstOccupied; slot >= 0; slot = lv.NextOccupied(slot))
            {
                if (lv.TryFindEarliestLive(slot, out key))
                {
                    return true;
                }
            }
        }

        key = default;
        return false;
    }

    /// <summary>
    /// Keeps, in place and in order, the live entries <paramref name="keep"/> accepts; dead entries go uncounted (the owner
    /// starts its dead count over).
    /// </summary>
    public void Rebuild(Func<TimerEntry, bool> keep)
    {
        int kept = _bottomHead;
        for (int i = _bottomHead; i < _bottomEnd; i++)
        {
            var entry = _bottomEntries[i];
            _bottomEntries[i] = default;
            if (entry.IsDead(_bottomKeys[i].Sequence))
            {
                _owner.ForgetDead(entry, counted: false);
                Count--;
            }
            else if (keep(entry))
            {
                _bottomKeys[kept] = _bottomKeys[i];
                _bottomEntries[kept++] = entry;
            }
            else
            {
                Count--;
            }
        }

        _bottomEnd = kept;
        for (int levels = _occupiedLevels; levels != 0; levels &= levels - 1)
        {
            int level = BitOperations.TrailingZeroCount(levels);
            var lv = _levels[level]!;
            for (int slot = lv.FirstOccupied; slot >= 0; slot = lv.NextOccupied(slot))
            {
                Count -= lv.Compact(slot, keep, _owner);
            }

            if (lv.IsVacant)
            {
                _occupiedLevels &= ~(1 << level);
            }
        }
    }

    /// <summary>The level of a timer due at <paramref name="due"/>: that of the highest base-256 digit where it differs from <see cref="Elapsed"/>, counted in lowest-level slots.</summary>
    private int LevelOf(long due) => (63 - BitOperations.LeadingZeroCount(((ulong)(due ^ Elapsed) >> BottomBits) | SlotMask)) / SlotBits;

    /// <summary>The slot of a timer due at <paramref name="due"/> in <paramref name="level"/>: its digit there.</summary>
    private static int SlotOf(long due, int level) => (int)(due >> (BottomBits + (level * SlotBits))) & SlotMask;

    /// <summary>The first tick of a slot: <see cref="Elapsed"/>'s digits above the level, the slot's digit, zeros below.</summary>
    private long SlotStart(int level, int slot)
    {
        int shift = BottomBits + (level * SlotBits);
        int above = shift + SlotBits;
        long high = above >= 63 ? 0 : Elapsed & ~((1L << above) - 1);
        return high | ((long)slot << shift);
    }

    /// <summary>
    /// A cascaded entry, placed again against the wheel's new time, dead or not: telling would read the timer object, a
    /// cache miss per timer per level on the way down (measured: it made a wheel of a million random timers slower than
    /// the heap). Dead entries go when they reach the bottom's front, or in a purge.
    /// </summary>
    private void Reinsert(TimerEntry entry, TimerKey key)
    {
        Count--;
        Add(entry, key);
    }

    private void ClearSlot(Level lv, int level, int slot)
    {
        lv.ClearOccupied(slot);
        if (lv.IsVacant)
        {
            _occupiedLevels &= ~(1 << level);
        }
    }

    /// <summary>Takes a chunk from the free list, or makes one.</summary>
    private Chunk RentChunk()
    {
        if (_free is { } chunk)
        {
            _free = chunk.Next;
            chunk.Next = null;
            return chunk;
        }

        return new Chunk();
    }

    /// <summary>Puts an emptied (cleared) chunk on the free list.</summary>
    private void ReturnChunk(Chunk chunk)
    {
        chunk.Next = _free;
        _free = chunk;
    }

    /// <summary>A run of entries of one slot; a slot is a list of chunks, appended at the tail.</summary>
    private sealed class Chunk
    {
        public readonly (TimerEntry Entry, TimerKey Key)[] Items = new (TimerEntry, TimerKey)[ChunkSize];

        public Chunk? Next;
    }

    /// <summary>One level: 256 slots and which of them hold entries.</summary>
    private sealed class Level(TimerWheel wheel)
    {
        private readonly Slot[] _slots = new Slot[SlotCount];

        /// <summary>Bit <c>s % 64</c> of word <c>s / 64</c> set while slot <c>s</c> holds an entry (dead ones included).</summary>
        private readonly ulong[] _occupied = new ulong[SlotCount / 64];

        /// <summary>Bit <c>w</c> set while word <c>w</c> of <see cref="_occupied"/> is not zero.</summary>
        private int _words;

        /// <summary>Whether no slot of the level holds an entry.</summary>
        public bool IsVacant => _words == 0;

        /// <summary>The lowest occupied slot; the level must not be vacant.</summary>
        public int FirstOccupied
        {
            get
            {
                int word = BitOperations.TrailingZeroCount(_words);
                return (word << 6) | BitOperations.TrailingZeroCount(_occupied[word]);
            }
        }

        /// <summary>The lowest occupied slot after <paramref name="slot"/>, or -1.</summary>
        public int NextOccupied(int slot)
        {
            int word = slot >> 6;
            ulong rest = (slot & 63) == 63 ? 0 : _occupied[word] & (ulong.MaxValue << ((slot & 63) + 1));
            if (rest != 0)
            {
                return (word << 6) | BitOperations.TrailingZeroCount(rest);
            }

            int words = _words & ~((2 << word) - 1);
            if (words == 0)
            {
                return -1;
            }

            word = BitOperations.TrailingZeroCount(words);
            return (word << 6) | BitOperations.TrailingZeroCount(_occupied[word]);
        }

        public void ClearOccupied(int slot)
        {
            int word = slot >> 6;
            if ((_occupied[word] &= ~(1UL << slot)) == 0)
            {
                _words &= ~(1 << word);
            }
        }

        public void Append(int slot, TimerEntry entry, TimerKey key)
        {
            ref var s = ref _slots[slot];
            if (s.Tail is null)
            {
                s.Head = s.Tail = wheel.RentChunk();
                s.TailCount = 0;
            }
            else if (s.TailCount == ChunkSize)
            {
                var next = wheel.RentChunk();
                s.Tail.Next = next;
                s.Tail = next;
                s.TailCount = 0;
            }

            s.Tail.Items[s.TailCount++] = (entry, key);
            _occupied[slot >> 6] |= 1UL << slot;
            _words |= 1 << (slot >> 6);
        }

        /// <summary>The earliest due time in a slot, dead entries included.</summary>
        public long EarliestDue(int slot)
        {
            long earliest = long.MaxValue;
            ref var s = ref _slots[slot];
            for (var chunk = s.Head; chunk is not null; chunk = chunk.Next)
            {
                int to = chunk == s.Tail ? s.TailCount : ChunkSize;
                for (int i = 0; i < to; i++)
                {
                    earliest = Math.Min(earliest, chunk.Items[i].Key.DueTicks);
                }
            }

            return earliest;
        }

        /// <summary>The smallest live key in a slot, read only.</summary>
        public bool TryFindEarliestLive(int slot, out TimerKey key)
        {
            bool found = false;
            key = default;
            ref var s = ref _slots[slot];
            for (var chunk = s.Head; chunk is not null; chunk = chunk.Next)
            {
                int to = chunk == s.Tail ? s.TailCount : ChunkSize;
                for (int i = 0; i < to; i++)
                {
                    var (entry, itemKey) = chunk.Items[i];
                    if (!entry.IsDead(itemKey.Sequence) && (!found || itemKey.CompareTo(key) < 0))
                    {
                        key = itemKey;
                        found = true;
                    }
                }
            }

            return found;
        }

        /// <summary>Empties a slot (its occupancy bit is the caller's) and hands its entries, front to back, to the wheel to place again.</summary>
        public void Drain(int slot, TimerWheel target)
        {
            var taken = Detach(slot);
            while (taken.TryTake(out var entry, out var key))
            {
                target.Reinsert(entry, key);
            }
        }

        /// <summary>Empties a slot (its occupancy bit is the caller's) into the fronts of <paramref name="keys"/> and <paramref name="entries"/>, grown if need be; returns how many.</summary>
        public int MoveTo(int slot, ref TimerKey[] keys, ref TimerEntry[] entries)
        {
            var taken = Detach(slot);
            int count = 0;
            while (taken.TryTake(out var entry, out var key))
            {
                if (count == keys.Length)
                {
                    Array.Resize(ref keys, Math.Max(2 * keys.Length, ChunkSize));
                    Array.Resize(ref entries, keys.Length);
                }

                keys[count] = key;
                entries[count++] = entry;
            }

            return count;
        }

        /// <summary>Keeps the live entries <paramref name="keep"/> accepts, in order; returns how many entries left.</summary>
        public int Compact(int slot, Func<TimerEntry, bool> keep, TimerQueue owner)
        {
            var taken = Detach(slot);
            int left = 0;
            while (taken.TryTake(out var entry, out var key))
            {
                if (entry.IsDead(key.Sequence))
                {
                    owner.ForgetDead(entry, counted: false);
                    left++;
                }
                else if (keep(entry))
                {
                    // Appending to the slot being read is safe: its new chunks come from the free list, and a chunk goes
                    // there only once it has been read to its end.
                    Append(slot, entry, key);
                }
                else
                {
                    left++;
                }
            }

            if (_slots[slot].Head is null)
            {
                ClearOccupied(slot);
            }

            return left;
        }

        /// <summary>Empties a slot's list (not its occupancy bit) and returns what it held, to be read once.</summary>
        private Taken Detach(int slot)
        {
            ref var s = ref _slots[slot];
            var taken = new Taken(wheel, s.Head, s.Tail, s.TailCount);
            s = default;
            return taken;
        }

        private struct Slot
        {
            public Chunk? Head;
            public Chunk? Tail;
            public int TailCount;
        }

        /// <summary>A slot's entries after <see cref="Detach"/>, read front to back; each chunk is cleared as it is read and goes back to the free list at its end.</summary>
        private struct Taken(TimerWheel wheel, Chunk? head, Chunk? tail, int tailCount)
        {
            private Chunk? _chunk = head;
            private int _index;

            public bool TryTake(out TimerEntry entry, out TimerKey key)
            {
                while (_chunk is { } chunk)
                {
                    if (_index < (chunk == tail ? tailCount : ChunkSize))
                    {
                        ref var item = ref chunk.Items[_index++];
                        (entry, key) = item;
                        item = default;
                        return true;
                    }

                    _chunk = chunk.Next;
                    _index = 0;
                    wheel.ReturnChunk(chunk);
                }

                entry = default;
                key = default;
                return false;
            }
        }
    }
}
